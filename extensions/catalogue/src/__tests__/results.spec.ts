import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CatalogueClient, Requester } from '../api';
import { CatalogueModel } from '../model';
import { ResultsWidget } from '../widgets/results';

const TOTAL = 100_000;
const request = (async (endpoint: string) => {
  if (endpoint === 'version') {
    return { version: '0.1.0' };
  }
  if (endpoint.startsWith('facets')) {
    return { facets: {} };
  }
  const params = new URLSearchParams(endpoint.split('?')[1]);
  const offset = Number(params.get('offset'));
  const items = [];
  for (let i = offset; i < Math.min(TOTAL, offset + Number(params.get('limit'))); i++) {
    items.push({ id: i + 1, name: `p${i}`, title: '<b onclick="x()">bold</b>', isPublic: false });
  }
  return { total: TOTAL, items };
}) as Requester;

const flush = () => new Promise(resolve => setTimeout(resolve, 20));

describe('ResultsWidget', () => {
  it('renders a window of rows as a grid, catalogue text as text', async () => {
    const model = new CatalogueModel(new CatalogueClient(request));
    const widget = new ResultsWidget(model, nullTranslator.load('panhub_catalogue'));
    Widget.attach(widget, document.body);
    await model.connect();
    await flush();
    await flush();
    const grid = widget.node.querySelector('[role=grid]')!;
    expect(grid.getAttribute('aria-rowcount')).toBe(String(TOTAL + 1));
    const rows = widget.node.querySelectorAll('.panhub-CatalogueResults-row:not([hidden])');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(100);
    expect(rows[0].getAttribute('aria-rowindex')).toBe('2');
    expect(rows[0].getAttribute('tabindex')).toBe('0');
    expect(rows[1].getAttribute('tabindex')).toBe('-1');
    expect(widget.node.querySelector('b')).toBeNull();
    expect(rows[0].textContent).toContain('<b onclick="x()">bold</b>');
    expect(rows[0].textContent).toContain('Embargoed');
    expect(widget.node.querySelector('[role=status]')!.textContent).toBe('100,000 results');

    (rows[0] as HTMLElement).focus();
    rows[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(widget.activeIndex).toBe(1);
    rows[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(model.selectedId).toBe(2);
    widget.dispose();
    model.dispose();
  });
});
