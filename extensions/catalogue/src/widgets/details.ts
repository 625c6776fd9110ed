/**
 * One investigation: title, access and mount state, dates, beamlines, DOI and
 * citation (text and BibTeX, copy), landing page link, abstract, members, samples,
 * parameters, the datasets (paged) with their files (paged) and the file actions,
 * and the logbook's latest entries. All catalogue text is set as text.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import {
  IDatafile,
  IDataset,
  IInvestigation,
  ILogbookEntry,
  IPage,
  canOpenInViewer,
  formatCount,
  formatDate,
  formatDateTime,
  formatSize,
  getMountedPath,
  isAbort,
  isReleased
} from '../api';
import { embargoedIcon, publicIcon } from '../icons';
import type { CatalogueModel } from '../model';
import { CommandIDs } from '../tokens';
import { button, clear, el, iconNode } from './dom';

/** Datasets per page of the details. */
export const DATASET_PAGE = 20;
/** Files per page of a dataset. */
export const FILE_PAGE = 50;
/** Logbook entries shown. */
export const LOGBOOK_ENTRIES = 5;
/** Samples and members listed before "… more". */
const LIST_LIMIT = 50;

export class DetailsWidget extends Widget {
  constructor(
    private readonly model: CatalogueModel,
    private readonly commands: CommandRegistry,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('panhub-CatalogueDetails');
    this.title.label = trans.__('Details');
    this.node.tabIndex = -1;
    this._body = el('div', { className: 'panhub-CatalogueDetails-body' });
    this.node.appendChild(this._body);
    this._renderEmpty();
    model.selectionChanged.connect((_, id) => void this.load(id), this);
    model.basket.changed.connect(this._syncChoices, this);
    this.node.addEventListener('focusin', event => this._onFileEvent(event));
    this.node.addEventListener('contextmenu', event => this._onFileEvent(event), true);
    this.node.addEventListener('keydown', event => this._onKey(event));
  }

  /** Show investigation `id` (or nothing). */
  async load(id: number | null): Promise<void> {
    this._controller?.abort();
    this._controller = null;
    this.model.investigation = null;
    if (id === null) {
      this._renderEmpty();
      return;
    }
    const __ = this.trans.__.bind(this.trans);
    const controller = new AbortController();
    this._controller = controller;
    this._setBody(el('p', { className: 'panhub-CatalogueDetails-loading', text: __('Loading…') }));
    try {
      const record = await this.model.client.investigation(id, controller.signal);
      if (controller.signal.aborted) {
        return;
      }
      this.model.investigation = record;
      this._render(record, controller.signal);
    } catch (error) {
      if (isAbort(error) || controller.signal.aborted) {
        return;
      }
      this._setBody(
        el('div', { className: 'panhub-CatalogueDetails-error jp-mod-error', attrs: { role: 'alert' } },
          el('p', { text: __('Could not load investigation %1: %2', id, (error as Error).message) }),
          button(__('Retry'), () => void this.load(id))
        )
      );
    }
  }

  /** Scroll to the logbook section once it is loaded (the Logbook column). */
  showLogbookWhenLoaded(): void {
    this._wantLogbook = true;
  }

  /** Move focus to the logbook section. */
  showLogbook(): void {
    this._wantLogbook = false;
    const section = this._body.querySelector('.panhub-CatalogueDetails-logbook') as HTMLElement | null;
    section?.scrollIntoView({ block: 'start' });
    section?.focus({ preventScroll: true });
  }

  dispose(): void {
    this._controller?.abort();
    super.dispose();
  }

  // ---- rendering

  private _setBody(...nodes: Node[]): void {
    clear(this._body);
    this._body.append(...nodes);
  }

  private _renderEmpty(): void {
    this._setBody(
      el('p', {
        className: 'panhub-CatalogueDetails-empty',
        text: this.trans.__('Choose an investigation in the results (Enter or click) to see its details.')
      })
    );
  }

  private _section(title: string, className: string, ...children: (Node | null)[]): HTMLElement {
    return el(
      'section',
      { className: `panhub-CatalogueDetails-section ${className}`, attrs: { 'aria-label': title, tabindex: -1 } },
      el('h3', { text: title }),
      ...children
    );
  }

  private _render(r: IInvestigation, signal: AbortSignal): void {
    const __ = this.trans.__.bind(this.trans);
    const released = isReleased(r);
    const heading = el('h2', { className: 'panhub-CatalogueDetails-title' },
      el('span', { className: 'panhub-CatalogueDetails-name', text: r.visitId ? `${r.name} ${r.visitId}` : r.name }),
      el('span', { text: r.title ?? '' })
    );
    const badges = el('div', { className: 'panhub-CatalogueDetails-badges' },
      el('span', { className: `panhub-CatalogueBadge ${released ? 'panhub-mod-public' : 'panhub-mod-embargoed'}` },
        iconNode(released ? publicIcon : embargoedIcon),
        el('span', { text: released ? __('Public') : __('Embargoed') })
      ),
      el('span', {
        className: `panhub-CatalogueBadge ${r.mounted ? 'panhub-mod-mounted' : 'panhub-mod-unmounted'}`,
        text: r.mounted ? __('Mounted here') : __('Not mounted here: download only')
      })
    );
    const facts = el('dl', { className: 'panhub-CatalogueDetails-facts' });
    const fact = (label: string, value: string | Node | null | undefined) => {
      if (value === null || value === undefined || value === '') {
        return;
      }
      facts.append(el('dt', { text: label }), typeof value === 'string' ? el('dd', { text: value }) : el('dd', {}, value));
    };
    fact(__('Beamline'), (r.beamlines ?? []).join(', '));
    fact(__('Start'), formatDateTime(r.startDate));
    fact(__('End'), formatDateTime(r.endDate));
    fact(__('Release'), formatDate(r.releaseDate));
    fact(__('Samples'), formatCount(r.sampleCount));
    fact(__('Datasets'), formatCount(r.datasetCount));
    fact(__('Files'), `${formatCount(r.fileCount)}${r.fileSize ? ` · ${formatSize(r.fileSize)}` : ''}`);
    fact(__('DOI'), r.doi ?? null);
    const links = el('div', { className: 'panhub-CatalogueDetails-links' });
    if (r.landingUrl) {
      links.appendChild(
        el('a', {
          className: 'panhub-CatalogueDetails-landing',
          text: __('Landing page'),
          attrs: { href: r.landingUrl, target: '_blank', rel: 'noopener noreferrer' }
        })
      );
    }

    const nodes: (Node | null)[] = [heading, badges, facts, links];
    nodes.push(this._section(__('Abstract'), 'panhub-CatalogueDetails-abstract',
      el('p', { className: 'panhub-CatalogueDetails-text', text: r.summary || __('No abstract.') })));
    nodes.push(this._renderCitation(r));
    if (r.users && r.users.length) {
      const list = el('ul', { className: 'panhub-CatalogueDetails-list' });
      for (const user of r.users.slice(0, LIST_LIMIT)) {
        const name = user.fullName ? `${user.fullName} (${user.name})` : user.name;
        list.appendChild(el('li', { text: user.role ? `${name} · ${user.role}` : name }));
      }
      nodes.push(this._section(__('Members'), 'panhub-CatalogueDetails-members', list, this._more(r.users.length)));
    }
    if (r.samples && r.samples.length) {
      const list = el('ul', { className: 'panhub-CatalogueDetails-list' });
      for (const sample of r.samples.slice(0, LIST_LIMIT)) {
        list.appendChild(el('li', { text: sample.type ? `${sample.name} · ${sample.type}` : sample.name }));
      }
      nodes.push(this._section(__('Samples'), 'panhub-CatalogueDetails-samples', list, this._more(r.samples.length)));
    }
    if (r.parameters && r.parameters.length) {
      const dl = el('dl', { className: 'panhub-CatalogueDetails-facts' });
      for (const p of r.parameters.slice(0, LIST_LIMIT)) {
        dl.append(el('dt', { text: p.name }), el('dd', { text: `${p.value ?? ''}${p.units ? ` ${p.units}` : ''}` }));
      }
      nodes.push(this._section(__('Parameters'), 'panhub-CatalogueDetails-parameters', dl));
    }
    const datasets = el('div', { className: 'panhub-CatalogueDetails-datasets', attrs: { role: 'list' } });
    const moreDatasets = el('div', { className: 'panhub-CatalogueDetails-more' });
    nodes.push(this._section(__('Datasets'), 'panhub-CatalogueDetails-datasetSection', datasets, moreDatasets));
    const logbook = el('div', { className: 'panhub-CatalogueDetails-entries' });
    nodes.push(this._section(__('Logbook'), 'panhub-CatalogueDetails-logbook', logbook));
    this._setBody(...(nodes.filter(Boolean) as Node[]));

    void this._loadDatasets(r, 0, datasets, moreDatasets, signal);
    void this._loadLogbook(r, logbook, signal).then(() => {
      if (this._wantLogbook && !signal.aborted) {
        this.showLogbook();
      }
    });
  }

  private _more(count: number): HTMLElement | null {
    return count > LIST_LIMIT
      ? el('p', { className: 'panhub-CatalogueDetails-note', text: this.trans.__('… and %1 more', count - LIST_LIMIT) })
      : null;
  }

  private _renderCitation(r: IInvestigation): HTMLElement | null {
    const __ = this.trans.__.bind(this.trans);
    const citation = r.citation;
    if (!citation?.text && !citation?.bibtex) {
      return null;
    }
    const children: (Node | null)[] = [];
    if (citation.text) {
      children.push(el('p', { className: 'panhub-CatalogueDetails-citation', text: citation.text }));
    }
    const actions = el('div', { className: 'panhub-CatalogueDetails-actions' });
    if (citation.text) {
      actions.appendChild(button(__('Copy citation'), () => Clipboard.copyToSystem(citation.text ?? '')));
    }
    if (citation.bibtex) {
      actions.appendChild(button(__('Copy BibTeX'), () => Clipboard.copyToSystem(citation.bibtex ?? '')));
    }
    children.push(actions);
    if (citation.bibtex) {
      children.push(
        el('details', { className: 'panhub-CatalogueDetails-bibtex' },
          el('summary', { text: __('BibTeX') }),
          el('pre', { text: citation.bibtex })
        )
      );
    }
    return this._section(__('Citation'), 'panhub-CatalogueDetails-citationSection', ...children);
  }

  private async _loadDatasets(
    r: IInvestigation,
    offset: number,
    list: HTMLElement,
    more: HTMLElement,
    signal: AbortSignal
  ): Promise<void> {
    const __ = this.trans.__.bind(this.trans);
    clear(more);
    more.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('Loading datasets…') }));
    let page: IPage<IDataset>;
    try {
      page = await this.model.client.datasets(r.id, DATASET_PAGE, offset, signal);
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        return;
      }
      if (offset === 0 && r.datasets) {
        // an older server without the paged route: the record's own list
        page = { total: r.datasets.length, items: r.datasets };
      } else {
        clear(more);
        more.append(
          el('p', { className: 'jp-mod-error', text: __('Could not load datasets: %1', (error as Error).message) }),
          button(__('Retry'), () => void this._loadDatasets(r, offset, list, more, signal))
        );
        return;
      }
    }
    clear(more);
    for (const dataset of page.items) {
      list.appendChild(this._renderDataset(dataset, r.name, signal));
    }
    const shown = offset + page.items.length;
    if (page.total === 0) {
      more.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('No datasets.') }));
    } else if (shown < page.total) {
      more.appendChild(
        button(__('More datasets (%1 of %2 shown)', shown, page.total), () =>
          void this._loadDatasets(r, shown, list, more, signal)
        )
      );
    } else {
      more.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: this.trans._n('%1 dataset', '%1 datasets', page.total, formatCount(page.total)) }));
    }
  }

  private _renderDataset(d: IDataset, proposal: string, signal: AbortSignal): HTMLElement {
    const __ = this.trans.__.bind(this.trans);
    const facts = [
      d.type,
      d.sample ? __('sample %1', d.sample) : null,
      (d.techniques ?? []).map(t => t.name).join(', '),
      d.fileCount !== null && d.fileCount !== undefined
        ? this.trans._n('%1 file', '%1 files', d.fileCount, formatCount(d.fileCount))
        : null,
      formatSize(d.fileSize),
      d.doi ? `DOI ${d.doi}` : null
    ].filter(Boolean);
    const files = el('div', { className: 'panhub-CatalogueDetails-files', attrs: { role: 'list', 'aria-label': __('Files of %1', d.name) } });
    const more = el('div', { className: 'panhub-CatalogueDetails-more' });
    const root = el('details', { className: 'panhub-CatalogueDataset', attrs: { 'data-dataset-id': d.id } },
      el('summary', {},
        el('span', { className: 'panhub-CatalogueDataset-name', text: d.name }),
        el('span', { className: 'panhub-CatalogueDataset-facts', text: facts.join(' · ') })
      ),
      d.description ? el('p', { className: 'panhub-CatalogueDetails-text', text: d.description }) : null,
      this._renderDatasetActions(d),
      files,
      more
    );
    let loaded = false;
    root.addEventListener('toggle', () => {
      if (root.open && !loaded) {
        loaded = true;
        void this._loadFiles(d, 0, files, more, signal);
      }
    });
    return el('div', { className: 'panhub-CatalogueDataset-item', attrs: { role: 'listitem' } }, this._renderChoice(d, proposal), root);
  }

  /** The checkbox that chooses the dataset for a data collection (the panel's basket). */
  private _renderChoice(d: IDataset, proposal: string): HTMLElement {
    const basket = this.model.basket;
    const label = this.trans.__('Choose %1 for a data collection', d.name);
    const box = el('input', {
      className: 'panhub-CatalogueDataset-choose',
      attrs: { type: 'checkbox', title: label, 'aria-label': label, checked: basket.has(d.id), 'data-dataset-id': d.id }
    });
    box.addEventListener('change', () => basket.set({ id: d.id, name: d.name, proposal }, box.checked));
    return box;
  }

  /** The checkboxes shown follow the basket (emptied after a collection, or "Clear"). */
  private _syncChoices(): void {
    for (const box of this._body.querySelectorAll<HTMLInputElement>('.panhub-CatalogueDataset-choose')) {
      box.checked = this.model.basket.has(Number(box.dataset.datasetId));
    }
  }

  private _renderDatasetActions(d: IDataset): HTMLElement | null {
    const __ = this.trans.__.bind(this.trans);
    if (!d.cell) {
      return null;
    }
    const actions = el('div', { className: 'panhub-CatalogueFile-actions panhub-CatalogueDataset-actions' });
    if (d.mounted) {
      actions.appendChild(
        button(__('Insert cell'), () => void this.commands.execute(CommandIDs.insertDatasetCell, { cell: d.cell ?? '', name: d.name }), {
          title: __('Insert a code cell that lists the files of %1 below the active cell', d.name),
          attrs: { 'aria-label': __('Insert a code cell that lists the files of %1', d.name) }
        })
      );
      actions.appendChild(
        button(__('Copy path'), () => void this.commands.execute(CommandIDs.copyDatasetPath, { path: d.path ?? '' }), {
          title: d.path ?? '',
          attrs: { 'aria-label': __('Copy the folder of %1 as mounted', d.name) }
        })
      );
    } else {
      actions.appendChild(el('span', { className: 'panhub-CatalogueBadge panhub-mod-unmounted', text: __('not mounted here') }));
    }
    return actions;
  }

  private async _loadFiles(d: IDataset, offset: number, list: HTMLElement, more: HTMLElement, signal: AbortSignal): Promise<void> {
    const __ = this.trans.__.bind(this.trans);
    clear(more);
    more.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('Loading files…') }));
    let page: IPage<IDatafile>;
    try {
      page = await this.model.client.datafiles(d.id, FILE_PAGE, offset, signal);
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        return;
      }
      clear(more);
      more.append(
        el('p', { className: 'jp-mod-error', text: __('Could not load files: %1', (error as Error).message) }),
        button(__('Retry'), () => void this._loadFiles(d, offset, list, more, signal))
      );
      return;
    }
    this.model.rememberFiles(page.items);
    clear(more);
    for (const file of page.items) {
      list.appendChild(this._renderFile(file));
    }
    const shown = offset + page.items.length;
    if (page.total === 0) {
      more.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('No files.') }));
    } else if (shown < page.total) {
      more.appendChild(
        button(__('More files (%1 of %2 shown)', shown, page.total), () => void this._loadFiles(d, shown, list, more, signal))
      );
    }
  }

  private _renderFile(f: IDatafile): HTMLElement {
    const __ = this.trans.__.bind(this.trans);
    const mounted = getMountedPath(f) !== null;
    const args = { datafileId: f.id };
    const actions = el('div', { className: 'panhub-CatalogueFile-actions' });
    if (canOpenInViewer(f)) {
      actions.appendChild(
        button(__('Open'), () => void this.commands.execute(CommandIDs.openInViewer, args), {
          title: __('Open %1 in the NeXus viewer', f.name),
          attrs: { 'aria-label': __('Open %1 in the NeXus viewer', f.name) }
        })
      );
    }
    if (mounted) {
      actions.appendChild(
        button(__('Insert cell'), () => void this.commands.execute(CommandIDs.insertCell, args), {
          title: __('Insert a code cell that opens %1 below the active cell', f.name),
          attrs: { 'aria-label': __('Insert a code cell that opens %1', f.name) }
        })
      );
    } else {
      actions.appendChild(
        button(__('Download'), () => void this.commands.execute(CommandIDs.download, args), {
          title: __('Download %1 to my computer', f.name),
          attrs: { 'aria-label': __('Download %1 to my computer', f.name) }
        })
      );
    }
    const menuButton = button('⋯', event => this._openMenu(f, event.currentTarget as HTMLElement), {
      className: 'panhub-CatalogueFile-more',
      title: __('More actions on %1', f.name),
      attrs: { 'aria-label': __('More actions on %1', f.name), 'aria-haspopup': 'menu' }
    });
    actions.appendChild(menuButton);
    return el('div', {
        className: `panhub-CatalogueFile ${mounted ? '' : 'panhub-mod-unmounted'}`.trim(),
        attrs: { role: 'listitem', 'data-datafile-id': f.id, tabindex: 0, 'aria-label': f.name }
      },
      el('div', { className: 'panhub-CatalogueFile-main' },
        el('span', { className: 'panhub-CatalogueFile-name', text: f.name, attrs: { title: f.path ?? f.location ?? f.name } }),
        el('span', { className: 'panhub-CatalogueFile-size', text: formatSize(f.fileSize) }),
        mounted ? null : el('span', { className: 'panhub-CatalogueBadge panhub-mod-unmounted', text: __('not mounted here') })
      ),
      actions
    );
  }

  private _openMenu(file: IDatafile, anchor: HTMLElement): void {
    this.model.currentFile = file;
    const menu = new Menu({ commands: this.commands });
    menu.addClass('panhub-CatalogueMenu');
    const args = { datafileId: file.id };
    for (const command of [
      CommandIDs.openInViewer,
      CommandIDs.insertCell,
      CommandIDs.copyPath,
      CommandIDs.copyCode,
      CommandIDs.copyCitation,
      CommandIDs.download,
      CommandIDs.copyToWorkspace
    ]) {
      menu.addItem({ command, args });
    }
    const rect = anchor.getBoundingClientRect();
    menu.aboutToClose.connect(() => {
      anchor.focus();
      setTimeout(() => menu.dispose(), 0);
    });
    menu.open(rect.left, rect.bottom);
    menu.activeIndex = 0;
  }

  private _onFileEvent(event: Event): void {
    const node = (event.target as Element).closest?.('.panhub-CatalogueFile') as HTMLElement | null;
    if (node?.dataset.datafileId) {
      this.model.currentFile = this.model.getFile(Number(node.dataset.datafileId)) ?? null;
    }
  }

  private _onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('panhub-CatalogueFile')) {
      return;
    }
    if (event.key === 'Enter') {
      const file = this.model.getFile(Number(target.dataset.datafileId));
      if (file) {
        event.preventDefault();
        const command = canOpenInViewer(file) ? CommandIDs.openInViewer : CommandIDs.download;
        void this.commands.execute(command, { datafileId: file.id });
      }
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const files = Array.from(this._body.querySelectorAll<HTMLElement>('.panhub-CatalogueFile'));
      const at = files.indexOf(target);
      const next = files[at + (event.key === 'ArrowDown' ? 1 : -1)];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  }

  private async _loadLogbook(r: IInvestigation, list: HTMLElement, signal: AbortSignal): Promise<void> {
    const __ = this.trans.__.bind(this.trans);
    list.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('Loading the logbook…') }));
    let page: IPage<ILogbookEntry>;
    try {
      page = await this.model.client.logbook(r.id, LOGBOOK_ENTRIES, 0, signal);
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        return;
      }
      clear(list);
      list.appendChild(el('p', { className: 'jp-mod-error', text: __('Could not load the logbook: %1', (error as Error).message) }));
      return;
    }
    clear(list);
    if (!page.items.length) {
      list.appendChild(el('p', { className: 'panhub-CatalogueDetails-note', text: __('No logbook entries.') }));
      return;
    }
    const entries = el('ol', { className: 'panhub-CatalogueLogbook' });
    for (const entry of page.items) {
      const meta = [
        formatDateTime(entry.createTime),
        entry.authorFullName || entry.author,
        entry.type,
        entry.category,
        entry.datasetName ? __('dataset %1', entry.datasetName) : null,
        entry.tags && entry.tags.length ? entry.tags.map(t => `#${t}`).join(' ') : null,
        entry.attachments && entry.attachments.length ? __('%1 figure(s)', entry.attachments.length) : null
      ].filter(Boolean);
      entries.appendChild(
        el('li', { className: 'panhub-CatalogueLogbook-entry' },
          el('div', { className: 'panhub-CatalogueLogbook-meta', text: meta.join(' · ') }),
          el('div', { className: 'panhub-CatalogueLogbook-content', text: entry.content ?? '' })
        )
      );
    }
    list.appendChild(entries);
    if (page.total > page.items.length) {
      list.appendChild(
        el('p', {
          className: 'panhub-CatalogueDetails-note',
          text: __('Latest %1 of %2 entries; the landing page shows the whole logbook.', page.items.length, formatCount(page.total))
        })
      );
    }
  }

  private _body: HTMLElement;
  private _wantLogbook = false;
  private _controller: AbortController | null = null;
}
