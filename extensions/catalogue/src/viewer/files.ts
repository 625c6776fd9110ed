/**
 * Pure helpers of the NeXus viewer (no DOM, no JupyterLab services): which files it
 * opens, how an absolute path maps to a contents path, and the code the kernel runs.
 */

/** Name of the file type (also the file browser's `data-file-type`). */
export const FILE_TYPE = 'panhub-nexus';

/** Name of the widget factory, as "Open With" lists it. */
export const FACTORY = 'NeXus viewer';

/** Name of the model factory: a model that never holds the file's content. */
export const MODEL = 'panhub-nexus';

/** The extensions the viewer opens (lower case, with the dot). */
export const EXTENSIONS = ['.nxs', '.nx5', '.h5', '.hdf5', '.cxi'];

/** MIME type of the message the kernel code shows instead of a traceback. */
export const MESSAGE_MIME = 'application/vnd.panhub.viewer-message+json';

/** Name of the kernel-side dict holding the viewers of the open tabs. */
export const VIEWERS = '_panhub_viewers';

/**
 * Whether the viewer opens `path` (by its extension, whatever the case).
 */
export function isNexusPath(path: string): boolean {
  const name = path.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 && EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

/**
 * The contents path (relative to the Lab's root, no leading slash) of `path`.
 *
 * `path` is either a contents path already (`data/x.nxs`) or an absolute path
 * (`/data/x.nxs`), which must lie under `root`, the server's root folder as an
 * absolute path. Returns null when an absolute path is outside the root, or when
 * the path climbs out of it with `..`.
 */
export function toContentsPath(path: string, root: string): string | null {
  let rest = path;
  if (path.startsWith('/')) {
    const base = normalize(root);
    const full = normalize(path);
    if (full === null || base === null) {
      return null;
    }
    if (base === '') {
      rest = full;
    } else if (full === base) {
      rest = '';
    } else if (full.startsWith(base + '/')) {
      rest = full.slice(base.length + 1);
    } else {
      return null;
    }
  }
  return normalize(rest);
}

/**
 * `path` without leading, trailing or doubled slashes and `.` parts, `..` resolved;
 * null if `..` climbs above the top.
 */
export function normalize(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      if (parts.length === 0) {
        return null;
      }
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

/**
 * A Python string literal for `text`.
 *
 * JSON's escapes (`\"`, `\\`, `\n`, `\uXXXX`, ...) mean the same in a Python
 * double-quoted string, and JSON.stringify never writes `\/`.
 */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The code a viewer tab runs in the shared kernel: show `NexusViewer(path)` and
 * keep it under `key` (closed when the tab closes). An exception becomes one
 * short message (MESSAGE_MIME), never a traceback.
 */
export function makeOpenCode(key: string, path: string): string {
  return [
    `def _panhub_open(key, path):`,
    `    from IPython.display import display`,
    `    global ${VIEWERS}`,
    `    try:`,
    `        ${VIEWERS}`,
    `    except NameError:`,
    `        ${VIEWERS} = {}`,
    `    def message(text):`,
    `        display({${pythonString(MESSAGE_MIME)}: {"path": path, "message": text},`,
    `                 "text/plain": text}, raw=True)`,
    `    try:`,
    `        from panhub_nexus import NexusViewer`,
    `    except ImportError as exc:`,
    `        return message(f"panhub_nexus is not installed in this kernel ({exc})")`,
    `    try:`,
    `        viewer = NexusViewer(path)`,
    `    except Exception as exc:`,
    `        return message(f"{type(exc).__name__}: {exc}")`,
    `    if not viewer.path and viewer.error:  # the file did not open: say why, plainly`,
    `        viewer.close()`,
    `        return message(viewer.error)`,
    `    ${VIEWERS}[key] = viewer`,
    `    display(viewer)`,
    `_panhub_open(${pythonString(key)}, ${pythonString(path)})`,
    `del _panhub_open`
  ].join('\n');
}

/**
 * The code run when a viewer tab closes: close its widget (threads, file handle).
 */
export function makeCloseCode(key: string): string {
  return [
    `try:`,
    `    ${VIEWERS}.pop(${pythonString(key)}).close()`,
    `except (NameError, KeyError):`,
    `    pass`
  ].join('\n');
}

/** A short message for an `error` output: its name and value, no traceback. */
export function describeError(ename: string, evalue: string): string {
  const name = (ename || '').trim();
  const value = stripAnsi(evalue || '').trim();
  if (!name) {
    return value || 'The kernel reported an error.';
  }
  return value ? `${name}: ${value}` : name;
}

/** `text` without ANSI colour codes (tracebacks and messages carry them). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
