/**
 * Template notebooks in the Lab (no DOM): their Launcher cards, labels and tooltips, the
 * kernel logos as CSS, and the copy that falls back to the home folder when the current
 * folder is read-only. The server lists the templates and makes the copies
 * (`panhub_catalogue/lab/templates.py`); it alone decides what is read-only.
 */
import type { ILauncher } from '@jupyterlab/launcher';
import type { KernelSpec } from '@jupyterlab/services';

import { CatalogueRequestError } from '../api/request';
import type { ITemplate, ITemplateCopy } from '../api/types';

/** The command that copies a template and opens the copy (no `id`: pick one first). */
export const OPEN_TEMPLATE = 'panhub:open-template';

/** The Launcher's section of templates, and its place: after Notebook (0), before Console (20). */
export const TEMPLATES_CATEGORY = 'Templates';
export const TEMPLATES_CATEGORY_RANK = 10;

/** CSS classes of a template's icon: every one, a logo's own, a missing kernel's. */
export const ICON_CLASS = 'jp-PanhubTemplate-icon';
export const MISSING_KERNEL_CLASS = 'jp-PanhubTemplate-icon-missingKernel';

/** Where a label is shown: a Launcher card, the command palette, a menu. */
export type LabelPlace = 'launcher' | 'palette' | 'menu';

/** The label of `template` (null: the picker's command, "New from Template…"). */
export function templateLabel(template: ITemplate | null, place: LabelPlace): string {
  if (template === null) {
    return 'New from Template…';
  }
  // a card sits in the Templates section under its kernel's logo: its title is enough
  return place === 'launcher' ? template.title : `${template.technique}: ${template.title}`;
}

/** The tooltip of `template`: technique, description, kernel (and whether it is here). */
export function templateCaption(template: ITemplate | null): string {
  if (template === null) {
    return 'Copy a template notebook into the current folder (or your home) and open it';
  }
  const lines = [`${template.technique}: ${template.title}`];
  if (template.description) {
    lines.push(template.description);
  }
  const kernel = template.kernel.displayName || template.kernel.name;
  lines.push(
    template.kernel.exists
      ? `Kernel: ${kernel}`
      : `Kernel: ${kernel}, not installed on this server`
  );
  lines.push('Opens a copy in the current folder (or your home); the template stays as it is.');
  return lines.join('\n');
}

/** The Launcher card of `template`, `rank` its place in the server's order. */
export function launcherItem(template: ITemplate, rank: number): ILauncher.IItemOptions {
  return {
    command: OPEN_TEMPLATE,
    args: { id: template.id, isLauncher: true },
    category: TEMPLATES_CATEGORY,
    categoryRank: TEMPLATES_CATEGORY_RANK,
    rank,
    metadata: { template: { id: template.id, technique: template.technique } }
  };
}

/** The URL of a kernel's logo (SVG first), or null when the spec has none or is missing. */
export function kernelLogo(
  specs: KernelSpec.ISpecModels | null | undefined,
  kernel: string
): string | null {
  const resources = specs?.kernelspecs[kernel]?.resources ?? {};
  return resources['logo-svg'] || resources['logo-64x64'] || resources['logo-32x32'] || null;
}

/** The CSS class of the logo of the `index`-th kernel in {@link makeIconStyle}. */
export function logoClass(index: number): string {
  return `jp-PanhubTemplate-logo-${index}`;
}

/**
 * `url("...")` for CSS: a quote, a backslash or a line break in the URL cannot end the
 * string (the URLs come from the server, which quotes nothing for CSS).
 */
export function cssUrl(url: string): string {
  const escaped = url.replace(
    /["\\\n\r\f]/g,
    c => `\\${c.charCodeAt(0).toString(16)} `
  );
  return `url("${escaped}")`;
}

/** The style sheet of the logos: one rule per URL, `logoClass(i)` for `urls[i]`. */
export function makeIconStyle(urls: string[]): string {
  return urls
    .map((url, i) => `.${ICON_CLASS}.${logoClass(i)} { background-image: ${cssUrl(url)}; }`)
    .join('\n');
}

/**
 * The CSS classes of each template's icon: its kernel's logo class when the kernel has a
 * logo (`logos`, filled here, lists the URLs in class order), the missing class when its
 * kernel is not on this server.
 */
export function iconClasses(
  templates: ITemplate[],
  specs: KernelSpec.ISpecModels | null | undefined,
  logos: string[] = []
): Map<string, string> {
  const classes = new Map<string, string>();
  for (const template of templates) {
    const names = [ICON_CLASS];
    const logo = kernelLogo(specs, template.kernel.name);
    if (logo !== null) {
      if (!logos.includes(logo)) {
        logos.push(logo);
      }
      names.push(logoClass(logos.indexOf(logo)));
    }
    if (!template.kernel.exists) {
      names.push(MISSING_KERNEL_CLASS);
    }
    classes.set(template.id, names.join(' '));
  }
  return classes;
}

/** The templates by technique, in the server's order: `[technique, templates][]`. */
export function groupByTechnique(templates: ITemplate[]): [string, ITemplate[]][] {
  const groups = new Map<string, ITemplate[]>();
  for (const template of templates) {
    const group = groups.get(template.technique) ?? [];
    group.push(template);
    groups.set(template.technique, group);
  }
  return [...groups.entries()];
}

/** What {@link copyTemplate} did. */
export interface ICopyOutcome extends ITemplateCopy {
  /** Why the copy went to the home folder instead of the one asked for (else null). */
  fellBack: string | null;
}

/** What {@link copyTemplate} needs from the server. */
export interface ICopier {
  copyTemplate(template: string, destination: string): Promise<ITemplateCopy>;
}

/** A folder's contents path without leading or trailing slashes (`""` for the root). */
export function normalizeFolder(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/**
 * Copy template `id` into `folder`; where the server refuses that folder as read-only
 * (403: a proposal's `raw/`, a folder without write permission), into `home()` instead.
 * Other errors, and a home that is missing or is that same folder, are thrown.
 */
export async function copyTemplate(
  copier: ICopier,
  id: string,
  folder: string,
  home: () => Promise<string | null>
): Promise<ICopyOutcome> {
  try {
    return { ...(await copier.copyTemplate(id, normalizeFolder(folder))), fellBack: null };
  } catch (error) {
    if (!(error instanceof CatalogueRequestError) || error.status !== 403) {
      throw error;
    }
    const fallback = await home();
    if (fallback === null || normalizeFolder(fallback) === normalizeFolder(folder)) {
      throw error;
    }
    const copy = await copier.copyTemplate(id, normalizeFolder(fallback));
    return { ...copy, fellBack: error.message };
  }
}

/** The folder part of a contents path, as the file browser shows it (`/home/alice`). */
export function folderOf(path: string): string {
  const parts = normalizeFolder(path).split('/');
  return `/${parts.slice(0, -1).join('/')}`;
}

/** Longest message a Lab notification shows whole (longer ones are cut). */
export const MAX_NOTICE = 140;

/**
 * The notification when the copy went to the home folder (null when it did not): the
 * server's reason without its advice, and where the copy is.
 */
export function fallbackMessage(outcome: ICopyOutcome): string | null {
  if (outcome.fellBack === null) {
    return null;
  }
  const why = outcome.fellBack.replace(/: copy into .*$/, '');
  return `${why}: copied into your home instead, as /${normalizeFolder(outcome.path)}`;
}

/** The notification when the template's kernel is not on this server (null when it is). */
export function missingKernelMessage(template: ITemplate): string | null {
  if (template.kernel.exists) {
    return null;
  }
  const kernel = template.kernel.displayName || template.kernel.name;
  const text = `needs the kernel ${kernel}, which is not installed on this server.`;
  const message = `"${template.title}" ${text}`;
  return message.length <= MAX_NOTICE ? message : `This template ${text}`;
}
