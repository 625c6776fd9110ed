/**
 * Data collections without DOM: the datasets chosen for one (across investigations),
 * the form's values as the catalogue's collection body, and problems in words.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { CollectionProblem, ICreator, IRelatedIdentifier } from '../api';

/** A dataset chosen for a collection, with what the form lists it by. */
export interface IChosenDataset {
  id: number;
  name: string;
  /** The proposal (investigation name) it belongs to. */
  proposal: string;
}

/** The datasets chosen for the next data collection, in the order chosen. */
export class CollectionBasket {
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get items(): IChosenDataset[] {
    return [...this._items.values()];
  }

  get size(): number {
    return this._items.size;
  }

  has(datasetId: number): boolean {
    return this._items.has(datasetId);
  }

  /** Choose (`on`) or leave out a dataset. */
  set(dataset: IChosenDataset, on: boolean): void {
    if (on === this._items.has(dataset.id)) {
      return;
    }
    if (on) {
      this._items.set(dataset.id, dataset);
    } else {
      this._items.delete(dataset.id);
    }
    this._changed.emit();
  }

  clear(): void {
    if (this._items.size) {
      this._items.clear();
      this._changed.emit();
    }
  }

  private _items = new Map<number, IChosenDataset>();
  private _changed = new Signal<this, void>(this);
}

/** An author row of the form. */
export interface IAuthorRow {
  name: string;
  orcid: string;
  affiliation: string;
}

/** A related-identifier row of the form. */
export interface IRelatedRow {
  identifier: string;
  relationType: string;
}

/** What the form holds. */
export interface ICollectionValues {
  title: string;
  description: string;
  /** Empty: the catalogue makes the user the only author. */
  authors: IAuthorRow[];
  /** An SPDX id; empty: the facility's default licence. */
  licence: string;
  related: IRelatedRow[];
  /** Comma- or newline-separated. */
  keywords: string;
  release: 'embargo' | 'immediate';
}

export function makeEmptyValues(): ICollectionValues {
  return { title: '', description: '', authors: [], licence: '', related: [], keywords: '', release: 'embargo' };
}

/** Split "a, b\nc" into distinct trimmed words. */
export function splitKeywords(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map(w => w.trim()).filter(Boolean))];
}

/**
 * The catalogue's collection body (`POST`/`PATCH collections`) from the form.
 *
 * Empty rows are left out; an empty author list and an empty licence are left out
 * too, so the catalogue applies its defaults (the user; the facility's licence).
 * `datasets` is given when creating, not when editing.
 */
export function makeCollectionBody(values: ICollectionValues, datasets?: number[]): Record<string, unknown> {
  const body: Record<string, unknown> = {
    title: values.title.trim(),
    description: values.description.trim() || null,
    keywords: splitKeywords(values.keywords),
    release: values.release,
    relatedIdentifiers: values.related
      .filter(r => r.identifier.trim())
      .map(r => ({ identifier: r.identifier.trim(), relationType: r.relationType })) as IRelatedIdentifier[]
  };
  const authors: ICreator[] = values.authors
    .filter(a => a.name.trim())
    .map(a => {
      const author: ICreator = { name: a.name.trim() };
      if (a.orcid.trim()) {
        author.orcid = a.orcid.trim();
      }
      if (a.affiliation.trim()) {
        author.affiliation = a.affiliation.trim();
      }
      return author;
    });
  if (authors.length) {
    body.creators = authors;
  }
  if (values.licence) {
    body.licence = values.licence;
  }
  if (datasets !== undefined) {
    body.datasets = datasets;
  }
  return body;
}

/** A problem as the user reads it: "Title: a title is needed". */
export function describeProblem(problem: CollectionProblem): string {
  if (typeof problem === 'string') {
    return problem;
  }
  return problem.text || (problem.label ? `${problem.label}: ${problem.message}` : problem.message);
}
