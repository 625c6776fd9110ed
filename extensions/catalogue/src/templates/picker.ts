/**
 * "New from Template…": a dialog listing the templates by technique, the chosen one's
 * description and kernel below the list. Text goes in through `textContent` only.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { ITemplate } from '../api/types';
import { groupByTechnique, templateCaption } from './model';

/** The dialog's body: a list box of templates (grouped by technique) and what it does. */
export class TemplatePicker extends Widget implements Dialog.IBodyWidget<string | null> {
  constructor(templates: ITemplate[]) {
    super();
    this.addClass('jp-PanhubTemplatePicker');
    const groups = groupByTechnique(templates);
    this._select.className = 'jp-PanhubTemplatePicker-list';
    this._select.size = Math.min(14, templates.length + groups.length);
    this._select.setAttribute('aria-label', 'Templates');
    for (const [technique, group] of groups) {
      const optgroup = document.createElement('optgroup');
      optgroup.label = technique;
      for (const template of group) {
        const option = document.createElement('option');
        option.value = template.id;
        option.textContent = template.kernel.exists
          ? template.title
          : `${template.title} (kernel not installed)`;
        optgroup.appendChild(option);
      }
      this._select.appendChild(optgroup);
    }
    this._about.className = 'jp-PanhubTemplatePicker-about';
    const show = () => {
      const chosen = templates.find(t => t.id === this._select.value) ?? null;
      this._about.textContent = chosen ? templateCaption(chosen) : '';
    };
    this._select.addEventListener('change', show);
    this._select.selectedIndex = 0;
    show();
    this.node.append(this._select, this._about);
  }

  getValue(): string | null {
    return this._select.value || null;
  }

  private _select = document.createElement('select');
  private _about = document.createElement('p');
}

/** Ask which template to copy; its id, or null when cancelled or there is none. */
export async function pickTemplate(templates: ITemplate[]): Promise<string | null> {
  if (templates.length === 0) {
    await showDialog({
      title: 'New from Template',
      body: 'No templates are installed on this server.',
      buttons: [Dialog.okButton()]
    });
    return null;
  }
  const result = await showDialog({
    title: 'New from Template',
    body: new TemplatePicker(templates),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Copy and Open' })],
    focusNodeSelector: 'select'
  });
  return result.button.accept ? result.value : null;
}
