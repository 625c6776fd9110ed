/**
 * Search & filters: free text (debounced), Public/Embargoed, My data, Beamline,
 * Technique, User, start/end dates; every choice labelled with its facet count.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IFacetValue, IFilters, formatCount, yearRange } from '../api';
import type { CatalogueModel } from '../model';
import { button, clear, el } from './dom';

type ListFilter = 'beamline' | 'technique' | 'user';

let uid = 0;

export class FiltersWidget extends Widget {
  constructor(
    private readonly model: CatalogueModel,
    private readonly trans: TranslationBundle,
    public debounceMs = 150
  ) {
    super();
    const __ = trans.__.bind(trans);
    this.addClass('panhub-CatalogueFilters');
    this.title.label = __('Search & filters');
    const id = `panhub-catalogue-filters-${++uid}`;
    this._accessName = `${id}-access`;

    this._text = el('input', {
      className: 'jp-mod-styled panhub-CatalogueFilters-text',
      attrs: {
        type: 'search',
        id: `${id}-text`,
        placeholder: __('Proposal, title, abstract, DOI'),
        'aria-label': __('Search the catalogue'),
        maxlength: 200,
        autocomplete: 'off',
        spellcheck: 'false'
      }
    });
    this._text.addEventListener('input', () => this._onText(false));
    this._text.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        this._onText(true);
      }
    });

    this._access = el('fieldset', { className: 'panhub-CatalogueFilters-access' });
    this._mine = el('input', { attrs: { type: 'checkbox', id: `${id}-mine` } });
    this._mine.addEventListener('change', () => model.setFilters({ mine: this._mine.checked }));
    const mine = el(
      'label',
      { className: 'panhub-CatalogueFilters-mine', attrs: { for: `${id}-mine` } },
      this._mine,
      el('span', { text: __('My data') })
    );

    this._lists = {
      beamline: this._makeList('beamline', __('Beamline')),
      technique: this._makeList('technique', __('Technique')),
      user: this._makeList('user', __('User'))
    };

    this._dateFrom = el('input', {
      className: 'jp-mod-styled',
      attrs: { type: 'date', id: `${id}-from`, 'aria-label': __('Started on or after') }
    });
    this._dateTo = el('input', {
      className: 'jp-mod-styled',
      attrs: { type: 'date', id: `${id}-to`, 'aria-label': __('Ended on or before') }
    });
    for (const [input, key] of [
      [this._dateFrom, 'dateFrom'],
      [this._dateTo, 'dateTo']
    ] as const) {
      input.addEventListener('change', () => model.setFilters({ [key]: input.value }));
    }
    this._years = el('div', {
      className: 'panhub-CatalogueFilters-years',
      attrs: { role: 'group', 'aria-label': __('Start year') }
    });
    const dates = el(
      'fieldset',
      { className: 'panhub-CatalogueFilters-dates' },
      el('legend', { text: __('Dates') }),
      el(
        'div',
        { className: 'panhub-CatalogueFilters-dateRow' },
        el('label', { text: __('From'), attrs: { for: `${id}-from` } }),
        this._dateFrom
      ),
      el(
        'div',
        { className: 'panhub-CatalogueFilters-dateRow' },
        el('label', { text: __('To'), attrs: { for: `${id}-to` } }),
        this._dateTo
      ),
      this._years
    );

    const clearButton = button(__('Clear filters'), () => model.clearFilters(), {
      className: 'panhub-CatalogueFilters-clear'
    });

    this.node.append(
      this._text,
      el('div', { className: 'panhub-CatalogueFilters-row' }, this._access, mine),
      this._lists.beamline.root,
      this._lists.technique.root,
      this._lists.user.root,
      dates,
      clearButton
    );

    model.facetsChanged.connect(this.render, this);
    model.searchChanged.connect(this.render, this);
    this.render();
  }

  /** Put the cursor in the search box. */
  focusSearch(): void {
    this._text.focus();
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    super.dispose();
  }

  /** Show the model's filters and the facet counts. */
  render(): void {
    const f = this.model.filters;
    const facets = this.model.facets;
    if (document.activeElement !== this._text && this._text.value.trim() !== f.text.trim()) {
      this._text.value = f.text;
    }
    this._mine.checked = f.mine;
    this._dateFrom.value = f.dateFrom;
    this._dateTo.value = f.dateTo;
    this._renderAccess(f, facets.access ?? []);
    for (const name of ['beamline', 'technique', 'user'] as ListFilter[]) {
      this._renderList(name, f[name], facets[name] ?? []);
    }
    this._renderYears(f, facets.year ?? []);
  }

  private _onText(now: boolean): void {
    window.clearTimeout(this._timer);
    const apply = () => this.model.setFilters({ text: this._text.value });
    if (now) {
      apply();
    } else {
      this._timer = window.setTimeout(apply, this.debounceMs);
    }
  }

  private _label(value: string, count: number | undefined): string {
    return count === undefined ? value : `${value} (${formatCount(count)})`;
  }

  private _renderAccess(f: IFilters, counts: IFacetValue[]): void {
    const __ = this.trans.__.bind(this.trans);
    const count = (value: string) => counts.find(c => c.value === value)?.count;
    const name = this._accessName;
    clear(this._access);
    this._access.appendChild(el('legend', { text: __('Access') }));
    const choices: [IFilters['access'], string][] = [
      ['all', __('All')],
      ['public', this._label(__('Public'), count('public'))],
      ['embargoed', this._label(__('Embargoed'), count('embargoed'))]
    ];
    for (const [value, text] of choices) {
      const input = el('input', {
        attrs: { type: 'radio', name, value, checked: f.access === value }
      });
      input.checked = f.access === value;
      input.addEventListener('change', () => this.model.setFilters({ access: value }));
      this._access.appendChild(el('label', {}, input, el('span', { text })));
    }
  }

  private _makeList(name: ListFilter, label: string): { root: HTMLDetailsElement; summary: HTMLElement; body: HTMLElement } {
    const summary = el('summary', { text: label });
    const body = el('div', {
      className: 'panhub-CatalogueFilters-options',
      attrs: { role: 'group', 'aria-label': label }
    });
    const root = el(
      'details',
      { className: 'panhub-CatalogueFilters-list', attrs: { 'data-filter': name } },
      summary,
      body
    );
    return { root, summary, body };
  }

  private _renderList(name: ListFilter, selected: string[], counts: IFacetValue[]): void {
    const __ = this.trans.__.bind(this.trans);
    const list = this._lists[name];
    const title = { beamline: __('Beamline'), technique: __('Technique'), user: __('User') }[name];
    list.summary.textContent = selected.length
      ? __('%1 · %2 selected', title, selected.length)
      : title;
    const shown = new Map<string, number | undefined>(counts.map(c => [c.value, c.count]));
    for (const value of selected) {
      if (!shown.has(value)) {
        shown.set(value, 0);
      }
    }
    const focused = list.body.contains(document.activeElement)
      ? (document.activeElement as HTMLInputElement).value
      : null;
    clear(list.body);
    if (shown.size === 0) {
      list.body.appendChild(el('p', { className: 'panhub-CatalogueFilters-none', text: __('No values') }));
      return;
    }
    for (const [value, count] of shown) {
      const input = el('input', { attrs: { type: 'checkbox', value } });
      input.checked = selected.includes(value);
      input.addEventListener('change', () => {
        const now = this.model.filters[name].filter(v => v !== value);
        this.model.setFilters({ [name]: input.checked ? [...now, value] : now });
      });
      list.body.appendChild(el('label', {}, input, el('span', { text: this._label(value, count) })));
      if (focused === value) {
        input.focus();
      }
    }
  }

  private _renderYears(f: IFilters, years: IFacetValue[]): void {
    const __ = this.trans.__.bind(this.trans);
    clear(this._years);
    const sorted = [...years].sort((a, b) => b.value.localeCompare(a.value)).slice(0, 12);
    for (const { value, count } of sorted) {
      const range = yearRange(value);
      if (!range) {
        continue;
      }
      const pressed = f.dateFrom === range.dateFrom && f.dateTo === range.dateTo;
      const node = button(
        this._label(value, count),
        () => this.model.setFilters(pressed ? { dateFrom: '', dateTo: '' } : range),
        {
          className: 'panhub-CatalogueFilters-year',
          attrs: { 'aria-pressed': pressed ? 'true' : 'false' },
          title: __('Investigations of %1', value)
        }
      );
      this._years.appendChild(node);
    }
  }

  private _text: HTMLInputElement;
  private _access: HTMLFieldSetElement;
  private _mine: HTMLInputElement;
  private _lists: Record<ListFilter, { root: HTMLDetailsElement; summary: HTMLElement; body: HTMLElement }>;
  private _dateFrom: HTMLInputElement;
  private _dateTo: HTMLInputElement;
  private _years: HTMLElement;
  private _timer = 0;
  private _accessName: string;
}
