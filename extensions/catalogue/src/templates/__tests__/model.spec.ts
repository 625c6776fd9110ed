import { LauncherModel } from '@jupyterlab/launcher';

import { CatalogueRequestError } from '../../api/request';
import type { ITemplate, ITemplateCopy } from '../../api/types';
import { specModels, staffSpec } from '../../kernels/__tests__/fixtures';
import {
  ICON_CLASS,
  ICopier,
  MAX_NOTICE,
  MISSING_KERNEL_CLASS,
  OPEN_TEMPLATE,
  TEMPLATES_CATEGORY,
  copyTemplate,
  cssUrl,
  fallbackMessage,
  folderOf,
  groupByTechnique,
  iconClasses,
  launcherItem,
  logoClass,
  makeIconStyle,
  missingKernelMessage,
  normalizeFolder,
  templateCaption,
  templateLabel
} from '../model';

function template(
  id: string,
  technique: string,
  title: string,
  kernel = `${id.split('/')[0]}-2026.12`,
  exists = true
): ITemplate {
  return {
    id,
    name: id.split('/').pop()!,
    title,
    technique,
    description: `${title}, one line`,
    kernel: { name: kernel, displayName: `${technique} (${kernel})`, exists }
  };
}

const saxs = template('saxs/01-integrate-fit.ipynb', 'SAXS/WAXS', 'Integrate and fit');
const saxs2 = template('saxs/02-subtract-merge.ipynb', 'SAXS/WAXS', 'Subtract and merge');
const xas = template('xas/01-normalize-fit.ipynb', 'XAS', 'Normalise and fit', 'xas-2026.12', false);
const specs = specModels(staffSpec('saxs', '2026.12', 'SAXS/WAXS'), staffSpec('base', '2026.12', 'Base'));

/** A server that copies into `writable` folders and refuses others as read-only. */
class FakeServer implements ICopier {
  constructor(readonly writable: string[]) {}
  calls: [string, string][] = [];

  async copyTemplate(id: string, destination: string): Promise<ITemplateCopy> {
    this.calls.push([id, destination]);
    if (!this.writable.includes(destination)) {
      throw new CatalogueRequestError(
        destination.endsWith('raw') ? 403 : 404,
        destination.endsWith('raw')
          ? 'raw/ is read-only: copy into processed/ or your home'
          : `no folder /${destination}`
      );
    }
    const name = id.split('/').pop()!;
    return { path: destination ? `${destination}/${name}` : name, name, template: id };
  }
}

describe('labels and tooltips', () => {
  it('labels a card by its title, the palette by technique and title', () => {
    expect(templateLabel(saxs, 'launcher')).toBe('Integrate and fit');
    expect(templateLabel(saxs, 'palette')).toBe('SAXS/WAXS: Integrate and fit');
    expect(templateLabel(null, 'menu')).toBe('New from Template…');
  });

  it('says in the tooltip what it does and on which kernel', () => {
    expect(templateCaption(saxs).split('\n')).toEqual([
      'SAXS/WAXS: Integrate and fit',
      'Integrate and fit, one line',
      'Kernel: SAXS/WAXS (saxs-2026.12)',
      'Opens a copy in the current folder (or your home); the template stays as it is.'
    ]);
    expect(templateCaption(xas)).toContain('Kernel: XAS (xas-2026.12), not installed on this server');
    expect(templateCaption({ ...saxs, description: '' }).split('\n')).toHaveLength(3);
  });
});

describe('launcherItem', () => {
  it('is a card of the Templates section that runs the command on the template', () => {
    expect(launcherItem(saxs, 3)).toEqual({
      command: OPEN_TEMPLATE,
      args: { id: saxs.id, isLauncher: true },
      category: TEMPLATES_CATEGORY,
      categoryRank: 10,
      rank: 3,
      metadata: { template: { id: saxs.id, technique: 'SAXS/WAXS' } }
    });
  });

  it('keeps the server order in a Launcher model', () => {
    const model = new LauncherModel();
    [xas, saxs, saxs2].forEach((t, i) => model.add(launcherItem(t, i)));
    const ids = [...model.items()].map(item => item.args?.id);
    expect(ids).toEqual([xas.id, saxs.id, saxs2.id]);
  });
});

describe('icons', () => {
  it('finds the SVG logo of a kernel, or none', () => {
    const name = 'saxs-2026.12';
    expect(iconClasses([saxs], specs).get(saxs.id)).toBe(`${ICON_CLASS} ${logoClass(0)}`);
    expect(iconClasses([xas], specs).get(xas.id)).toBe(`${ICON_CLASS} ${MISSING_KERNEL_CLASS}`);
    expect(specs.kernelspecs[name]?.resources['logo-svg']).toBe(`/kernelspecs/${name}/logo-svg.svg`);
  });

  it('gives templates of one kernel one logo rule', () => {
    const logos: string[] = [];
    const classes = iconClasses([saxs, xas, saxs2], specs, logos);
    expect(logos).toEqual(['/kernelspecs/saxs-2026.12/logo-svg.svg']);
    expect(classes.get(saxs2.id)).toBe(classes.get(saxs.id));
    expect(makeIconStyle(logos)).toBe(
      `.${ICON_CLASS}.${logoClass(0)} { background-image: url("/kernelspecs/saxs-2026.12/logo-svg.svg"); }`
    );
  });

  it('quotes URLs so that they cannot end the CSS string', () => {
    expect(cssUrl('/a"b\\c\nd)e')).toBe('url("/a\\22 b\\5c c\\a d)e")');
    expect(iconClasses([saxs], null).get(saxs.id)).toBe(ICON_CLASS);
  });
});

describe('groupByTechnique', () => {
  it('groups in the server order', () => {
    expect(groupByTechnique([saxs, saxs2, xas])).toEqual([
      ['SAXS/WAXS', [saxs, saxs2]],
      ['XAS', [xas]]
    ]);
  });
});

describe('copyTemplate', () => {
  const home = async () => 'home/alice';

  it('copies into the folder asked for', async () => {
    const server = new FakeServer(['data/2026/processed']);
    const copy = await copyTemplate(server, saxs.id, '/data/2026/processed/', home);
    expect(copy).toEqual({
      path: 'data/2026/processed/01-integrate-fit.ipynb',
      name: '01-integrate-fit.ipynb',
      template: saxs.id,
      fellBack: null
    });
    expect(fallbackMessage(copy)).toBeNull();
  });

  it('falls back to home when the folder is read-only, and says why', async () => {
    const server = new FakeServer(['home/alice']);
    const copy = await copyTemplate(server, saxs.id, 'data/2026/raw', home);
    expect(server.calls).toEqual([
      [saxs.id, 'data/2026/raw'],
      [saxs.id, 'home/alice']
    ]);
    expect(copy.path).toBe('home/alice/01-integrate-fit.ipynb');
    expect(fallbackMessage(copy)).toBe(
      'raw/ is read-only: copied into your home instead, as /home/alice/01-integrate-fit.ipynb'
    );
    const locked = { ...copy, fellBack: '/data/2026 is read-only: copy into your home' };
    expect(fallbackMessage(locked)).toBe(
      '/data/2026 is read-only: copied into your home instead, as /home/alice/01-integrate-fit.ipynb'
    );
  });

  it('throws other errors, and read-only ones without a home to go to', async () => {
    const server = new FakeServer([]);
    await expect(copyTemplate(server, saxs.id, 'data/9999', home)).rejects.toThrow(
      'no folder /data/9999'
    );
    await expect(copyTemplate(server, saxs.id, 'data/2026/raw', async () => null)).rejects.toThrow(
      'raw/ is read-only'
    );
    expect(server.calls).toHaveLength(2);
  });

  it('does not ask twice for the home folder itself', async () => {
    const server = new FakeServer([]);
    const raw = async () => 'data/2026/raw';
    await expect(copyTemplate(server, saxs.id, '/data/2026/raw', raw)).rejects.toThrow('read-only');
    expect(server.calls).toHaveLength(1);
  });
});

describe('paths and messages', () => {
  it('normalizes folders and finds a file’s folder', () => {
    expect(normalizeFolder('/data/2026/')).toBe('data/2026');
    expect(normalizeFolder('')).toBe('');
    expect(folderOf('home/alice/01-integrate-fit.ipynb')).toBe('/home/alice');
    expect(folderOf('01-integrate-fit.ipynb')).toBe('/');
  });

  it('tells about a kernel that is not here, short enough for a notification', () => {
    expect(missingKernelMessage(saxs)).toBeNull();
    expect(missingKernelMessage(xas)).toBe(
      '"Normalise and fit" needs the kernel XAS (xas-2026.12), which is not installed on this server.'
    );
    const long = { ...xas, title: 'Normalise, extract and fit the first two shells with FEFF paths, then the third one' };
    expect(missingKernelMessage(long)).toBe(
      'This template needs the kernel XAS (xas-2026.12), which is not installed on this server.'
    );
    expect(missingKernelMessage(long)!.length).toBeLessThanOrEqual(MAX_NOTICE);
  });
});
