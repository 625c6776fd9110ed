import { readErrorProblems } from '../../api/request';
import {
  CollectionBasket,
  describeProblem,
  makeCollectionBody,
  makeEmptyValues,
  splitKeywords
} from '../model';

describe('CollectionBasket', () => {
  it('keeps chosen datasets across investigations, once each, in order', () => {
    const basket = new CollectionBasket();
    let changes = 0;
    basket.changed.connect(() => changes++);
    basket.set({ id: 3, name: 'raw', proposal: 'T1' }, true);
    basket.set({ id: 9, name: 'scan', proposal: 'T4' }, true);
    basket.set({ id: 3, name: 'raw', proposal: 'T1' }, true); // again: no change
    expect(basket.items.map(d => d.id)).toEqual([3, 9]);
    expect(basket.has(9)).toBe(true);
    basket.set({ id: 3, name: 'raw', proposal: 'T1' }, false);
    expect(basket.items.map(d => d.id)).toEqual([9]);
    basket.clear();
    basket.clear(); // empty: no change
    expect(basket.size).toBe(0);
    expect(changes).toBe(4);
  });
});

describe('makeCollectionBody', () => {
  it('leaves authors and licence to the catalogue when empty', () => {
    const body = makeCollectionBody({ ...makeEmptyValues(), title: '  Two scans ' }, [1, 2]);
    expect(body).toEqual({
      title: 'Two scans',
      description: null,
      keywords: [],
      release: 'embargo',
      relatedIdentifiers: [],
      datasets: [1, 2]
    });
  });

  it('sends the rows filled in, trimmed, and no datasets when editing', () => {
    const body = makeCollectionBody({
      title: 'T',
      description: ' Two scans. ',
      authors: [
        { name: ' Tester, Alice ', orcid: '0000-0002-1825-0097 ', affiliation: '' },
        { name: '  ', orcid: '0000-0002-1825-0097', affiliation: 'ignored: no name' }
      ],
      licence: 'CC0-1.0',
      related: [
        { identifier: ' 10.1234/paper.5 ', relationType: 'IsSupplementTo' },
        { identifier: '', relationType: 'IsCitedBy' }
      ],
      keywords: 'SAXS, proteins\nSAXS',
      release: 'immediate'
    });
    expect(body).toEqual({
      title: 'T',
      description: 'Two scans.',
      keywords: ['SAXS', 'proteins'],
      release: 'immediate',
      relatedIdentifiers: [{ identifier: '10.1234/paper.5', relationType: 'IsSupplementTo' }],
      creators: [{ name: 'Tester, Alice', orcid: '0000-0002-1825-0097' }],
      licence: 'CC0-1.0'
    });
  });
});

describe('problems', () => {
  it('reads as the field and the message', () => {
    expect(describeProblem('creators: at least one author')).toBe('creators: at least one author');
    expect(describeProblem({ message: 'a title is needed', label: 'Title', path: 'titles[0].title' })).toBe(
      'Title: a title is needed'
    );
    expect(describeProblem({ message: 'no label' })).toBe('no label');
  });

  it('come from a refusal body, or none', () => {
    expect(readErrorProblems('{"message": "x", "problems": ["a", "b"]}')).toEqual(['a', 'b']);
    expect(readErrorProblems('{"message": "x"}')).toEqual([]);
    expect(readErrorProblems('<html>proxy</html>')).toEqual([]);
  });

  it('split keywords', () => {
    expect(splitKeywords(' a,b ,, a\n c')).toEqual(['a', 'b', 'c']);
  });
});
