/**
 * The side panel: Search & filters, Results, Details (a `SidePanel` whose sections
 * fold like the Lab's debugger and git panels), a toolbar, and a header that tells
 * when the server half is missing or the catalogue does not answer.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  LabIcon,
  SidePanel,
  filterListIcon,
  refreshIcon,
  tableRowsIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { PromiseDelegate } from '@lumino/coreutils';
import { Message } from '@lumino/messaging';
import { Menu, Widget } from '@lumino/widgets';

import { COLUMNS } from '../columns';
import { catalogueIcon } from '../icons';
import type { CatalogueModel } from '../model';
import { CommandIDs } from '../tokens';
import { DetailsWidget } from './details';
import { button, clear, el } from './dom';
import { FiltersWidget } from './filters';
import { ResultsWidget } from './results';

/** The panel's widget id (the sidebar tab's `data-id`). */
export const PANEL_ID = 'panhub-catalogue';

export class CataloguePanel extends SidePanel {
  readonly filters: FiltersWidget;
  readonly results: ResultsWidget;
  readonly details: DetailsWidget;

  constructor(
    readonly model: CatalogueModel,
    readonly commands: CommandRegistry,
    private readonly trans: TranslationBundle
  ) {
    super({ content: undefined });
    const __ = trans.__.bind(trans);
    this.id = PANEL_ID;
    this.addClass('panhub-CataloguePanel');
    this.title.icon = catalogueIcon;
    this.title.caption = __('Catalogue');

    const heading = new Widget({ node: el('h2', { className: 'panhub-CataloguePanel-title', text: __('Catalogue') }) });
    this._notice = el('div', { className: 'panhub-CataloguePanel-notice', attrs: { hidden: true, role: 'alert' } });
    this._basket = el('div', { className: 'panhub-CatalogueBasket', attrs: { hidden: true, role: 'status' } });
    this.header.addWidget(heading);
    this.header.addWidget(new Widget({ node: this._notice }));
    model.basket.changed.connect(this._renderBasket, this);

    const tool = (name: string, label: string, icon: LabIcon, onClick: (node: HTMLElement) => void) => {
      const node = button('', () => onClick(node), {
        icon,
        className: 'panhub-CatalogueTool',
        title: label,
        attrs: { 'aria-label': label }
      });
      this.toolbar.addItem(name, new Widget({ node }));
    };
    tool('refresh', __('Search again'), refreshIcon, () => void commands.execute(CommandIDs.refresh));
    tool('clear', __('Clear filters'), filterListIcon, () => void commands.execute(CommandIDs.clearFilters));
    this._columnsMenu = new Menu({ commands });
    this._columnsMenu.title.label = __('Columns');
    for (const column of COLUMNS) {
      this._columnsMenu.addItem({ command: CommandIDs.toggleColumn, args: { column: column.id } });
    }
    tool('columns', __('Choose columns'), tableRowsIcon, node => {
      const rect = node.getBoundingClientRect();
      this._columnsMenu.open(rect.left, rect.bottom);
      this._columnsMenu.activeIndex = 0;
    });

    this.filters = new FiltersWidget(model, trans);
    this.results = new ResultsWidget(model, trans);
    this.details = new DetailsWidget(model, commands, trans);
    // above the datasets where they are chosen, kept in view while the details scroll
    this.details.node.prepend(this._basket);
    this.results.onOpenLogbook = () => {
      if (model.investigation !== null && model.investigation.id === model.selectedId) {
        this.details.showLogbook();
      } else {
        this.details.showLogbookWhenLoaded();
      }
    };
    this.addWidget(this.filters);
    this.addWidget(this.results);
    this.addWidget(this.details);
    model.connectionChanged.connect(this._renderNotice, this);
    model.selectionChanged.connect(this._onSelection, this);
    this._renderNotice();
  }

  /** Resolves the first time the panel is shown (the catalogue is not asked before). */
  get firstShown(): Promise<void> {
    return this._firstShown.promise;
  }

  protected onAfterAttach(): void {
    this._layoutSections([0.3, 0.45, 0.25]);
    if (this.isVisible) {
      this._firstShown.resolve();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._firstShown.resolve();
  }

  /** Give each section a share of the height. */
  private _layoutSections(sizes: number[]): void {
    const content = this.content as unknown as { setRelativeSizes?: (s: number[]) => void };
    content.setRelativeSizes?.(sizes);
  }

  private _onSelection(_: CatalogueModel, id: number | null): void {
    if (id !== null) {
      this._layoutSections([0.25, 0.3, 0.45]);
    }
  }

  /** "2 datasets chosen for a data collection", with Make… and Clear. */
  private _renderBasket(): void {
    const __ = this.trans.__.bind(this.trans);
    const size = this.model.basket.size;
    clear(this._basket);
    this._basket.hidden = size === 0;
    if (size) {
      this._basket.append(
        el('span', { text: this.trans._n('%1 dataset chosen for a data collection', '%1 datasets chosen for a data collection', size) }),
        button(__('Make a Data Collection…'), () => void this.commands.execute(CommandIDs.newCollection), { className: 'jp-mod-accept' }),
        button(__('Clear'), () => this.model.basket.clear(), { attrs: { 'aria-label': __('Clear the datasets chosen for a data collection') } })
      );
    }
  }

  private _renderNotice(): void {
    const __ = this.trans.__.bind(this.trans);
    const state = this.model.connection;
    clear(this._notice);
    this._notice.hidden = state === 'ready' || state === 'checking';
    this.filters.setHidden(state === 'missing-server');
    if (state === 'missing-server') {
      this._notice.append(
        el('p', { className: 'jp-mod-error', text: __('The catalogue’s server extension is missing in this Jupyter server (panhub-catalogue/api/version answered 404).') }),
        el('p', { text: __('Fix: install panhub in the environment that runs JupyterLab, enable the server extension and restart your server:') }),
        el('pre', { text: 'jupyter server extension enable panhub_catalogue' })
      );
    } else if (state === 'unavailable') {
      this._notice.append(
        el('p', { className: 'jp-mod-error', text: __('The catalogue is not reachable: %1', this.model.connectionError) }),
        button(__('Retry'), () => void this.model.connect())
      );
    }
  }

  private _firstShown = new PromiseDelegate<void>();
  private _notice: HTMLElement;
  private _basket: HTMLElement;
  private _columnsMenu: Menu;
}
