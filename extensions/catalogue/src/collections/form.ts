/**
 * The data collection form (a dialog body): title, description, authors with ORCID,
 * licence, related publications, keywords, release; the chosen datasets; and what the
 * catalogue said of the last attempt (its message, or the problems DataCite would
 * still refuse), each problem beside its words.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { CollectionProblem, ICollectionFormOptions } from '../api';
import { button, el } from '../widgets/dom';
import { IAuthorRow, ICollectionValues, IChosenDataset, IRelatedRow, describeProblem } from './model';

/** What the form shows besides the values. */
export interface ICollectionFormState {
  datasets: IChosenDataset[];
  /** The catalogue's refusal of the last attempt. */
  error?: string;
  /** What DataCite would still refuse in the saved draft. */
  problems?: CollectionProblem[];
  /** The draft's id once it exists (the form then edits it). */
  draftId?: number;
}

let counter = 0;

export class CollectionForm extends Widget {
  constructor(
    private readonly options: ICollectionFormOptions,
    values: ICollectionValues,
    state: ICollectionFormState,
    private readonly trans: TranslationBundle
  ) {
    super({ node: el('form', { className: 'panhub-CollectionForm', attrs: { novalidate: true } }) });
    const __ = trans.__.bind(trans);
    const form = this.node;
    form.addEventListener('submit', event => event.preventDefault());
    this._prefix = `panhub-collection-${++counter}`;

    if (state.error || (state.problems && state.problems.length)) {
      const alert = el('div', { className: 'panhub-CollectionForm-alert', attrs: { role: 'alert' } });
      if (state.error) {
        alert.appendChild(el('p', { text: state.error }));
      }
      if (state.problems && state.problems.length) {
        alert.appendChild(el('p', { text: __('Draft %1 is saved; still to fix before it can go to review:', state.draftId ?? '') }));
        const list = el('ul', {});
        for (const problem of state.problems) {
          list.appendChild(el('li', { text: describeProblem(problem) }));
        }
        alert.appendChild(list);
      }
      form.appendChild(alert);
    }

    const chosen = el('ul', { className: 'panhub-CollectionForm-datasets', attrs: { 'aria-label': __('Datasets in the collection') } });
    for (const d of state.datasets) {
      chosen.appendChild(el('li', { text: `${d.proposal} · ${d.name}` }));
    }
    form.appendChild(
      el('fieldset', {},
        el('legend', { text: this.trans._n('%1 dataset', '%1 datasets', state.datasets.length) }),
        chosen
      )
    );

    this._title = this._field(__('Title'), el('input', { attrs: { type: 'text', required: true, maxlength: 4000 } }), values.title);
    this._description = this._field(__('Description'), el('textarea', { attrs: { rows: 3 } }), values.description);

    this._authors = el('div', { className: 'panhub-CollectionForm-rows' });
    form.appendChild(
      el('fieldset', {},
        el('legend', { text: __('Authors') }),
        el('p', { className: 'panhub-CollectionForm-hint', text: __('Leave empty to be the only author. ORCID iD like 0000-0002-1825-0097.') }),
        this._authors,
        button(__('Add an author'), () => this._addAuthor({ name: '', orcid: '', affiliation: '' }, true))
      )
    );
    for (const author of values.authors) {
      this._addAuthor(author, false);
    }

    const licence = el('select', {});
    licence.appendChild(el('option', { text: __('The facility’s default licence'), attrs: { value: '' } }));
    for (const item of options.licences) {
      licence.appendChild(el('option', { text: `${item.id} · ${item.name}`, attrs: { value: item.id } }));
    }
    this._licence = this._field(__('Licence'), licence, values.licence);

    this._related = el('div', { className: 'panhub-CollectionForm-rows' });
    form.appendChild(
      el('fieldset', {},
        el('legend', { text: __('Related publications and data') }),
        this._related,
        button(__('Add a related DOI'), () => this._addRelated({ identifier: '', relationType: 'IsSupplementTo' }, true))
      )
    );
    for (const related of values.related) {
      this._addRelated(related, false);
    }

    this._keywords = this._field(__('Keywords (comma-separated)'), el('input', { attrs: { type: 'text' } }), values.keywords);
    const release = el('select', {},
      el('option', { text: __('With the proposal’s data (at the end of its embargo)'), attrs: { value: 'embargo' } }),
      el('option', { text: __('Immediately once minted'), attrs: { value: 'immediate' } })
    );
    this._release = this._field(__('Release'), release, values.release);
  }

  /** The values as filled in (the dialog's result). */
  getValue(): ICollectionValues {
    const rows = (root: HTMLElement, names: string[]) =>
      Array.from(root.querySelectorAll<HTMLElement>('.panhub-CollectionForm-row')).map(row =>
        Object.fromEntries(names.map(n => [n, (row.querySelector(`[data-name="${n}"]`) as HTMLInputElement).value]))
      );
    return {
      title: this._title.value,
      description: this._description.value,
      authors: rows(this._authors, ['name', 'orcid', 'affiliation']) as unknown as IAuthorRow[],
      licence: this._licence.value,
      related: rows(this._related, ['identifier', 'relationType']) as unknown as IRelatedRow[],
      keywords: this._keywords.value,
      release: this._release.value === 'immediate' ? 'immediate' : 'embargo'
    };
  }

  /** The title input (the dialog focuses it). */
  get titleInput(): HTMLInputElement {
    return this._title as HTMLInputElement;
  }

  private _field<T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(label: string, input: T, value: string): T {
    const id = `${this._prefix}-${++counter}`;
    input.id = id;
    input.value = value;
    input.classList.add('jp-mod-styled');
    this.node.appendChild(
      el('div', { className: 'panhub-CollectionForm-field' }, el('label', { text: label, attrs: { for: id } }), input)
    );
    return input;
  }

  private _input(label: string, name: string, value: string, placeholder = ''): HTMLInputElement {
    const input = el('input', {
      className: 'jp-mod-styled',
      attrs: { type: 'text', 'aria-label': label, placeholder: placeholder || label, 'data-name': name }
    });
    input.value = value;
    return input;
  }

  private _row(parent: HTMLElement, focus: boolean, ...inputs: HTMLElement[]): void {
    const row = el('div', { className: 'panhub-CollectionForm-row' }, ...inputs);
    row.appendChild(button('×', () => row.remove(), { title: this.trans.__('Remove'), attrs: { 'aria-label': this.trans.__('Remove this row') } }));
    parent.appendChild(row);
    if (focus) {
      (inputs[0] as HTMLInputElement).focus();
    }
  }

  private _addAuthor(author: IAuthorRow, focus: boolean): void {
    const __ = this.trans.__.bind(this.trans);
    const n = this._authors.childElementCount + 1;
    this._row(this._authors, focus,
      this._input(__('Author %1, name', n), 'name', author.name, __('Family, Given')),
      this._input(__('Author %1, ORCID iD', n), 'orcid', author.orcid, __('ORCID iD')),
      this._input(__('Author %1, affiliation', n), 'affiliation', author.affiliation, __('Affiliation'))
    );
  }

  private _addRelated(related: IRelatedRow, focus: boolean): void {
    const __ = this.trans.__.bind(this.trans);
    const n = this._related.childElementCount + 1;
    const relation = el('select', { className: 'jp-mod-styled', attrs: { 'aria-label': __('Related %1, relation', n), 'data-name': 'relationType' } });
    for (const type of this.options.relationTypes) {
      relation.appendChild(el('option', { text: type, attrs: { value: type } }));
    }
    relation.value = related.relationType;
    this._row(this._related, focus, this._input(__('Related %1, DOI', n), 'identifier', related.identifier, '10.1234/…'), relation);
  }

  private _prefix: string;
  private _title: HTMLInputElement;
  private _description: HTMLTextAreaElement;
  private _authors: HTMLElement;
  private _licence: HTMLSelectElement;
  private _related: HTMLElement;
  private _keywords: HTMLInputElement;
  private _release: HTMLSelectElement;
}
