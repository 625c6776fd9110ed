/** The status bar item: the job's time left (`2 h 10 min left`), urgent within the lead time. */
import { Widget } from '@lumino/widgets';

import { IStatusView } from './watch';

export class WalltimeStatus extends Widget implements IStatusView {
  constructor() {
    super();
    this.id = 'panhub-walltime-status';
    this.addClass('panhub-WalltimeStatus');
    this._text.className = 'jp-StatusBar-TextItem';
    this.node.appendChild(this._text);
    this.hide();
  }

  display(text: string | null, title: string, urgent: boolean): void {
    if (text === null) {
      this.hide();
      return;
    }
    this._text.textContent = text;
    this.node.title = title;
    this.toggleClass('panhub-mod-urgent', urgent);
    // the theme's warning colour, without a style sheet of its own
    this._text.style.color = urgent ? 'var(--jp-warn-color0)' : '';
    this._text.style.fontWeight = urgent ? 'bold' : '';
    this.show();
  }

  private readonly _text = document.createElement('span');
}
