/**
 * A tiny element builder. Text only ever goes in through `textContent` (catalogue
 * strings may hold HTML or script: they are shown, never parsed).
 */
import type { LabIcon } from '@jupyterlab/ui-components';

export interface IElementOptions {
  className?: string;
  text?: string | null;
  attrs?: Record<string, string | number | boolean | null | undefined>;
}

/** An element with a class, text and attributes (`null`/`false` attributes are left out). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: IElementOptions = {},
  ...children: (Node | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) {
    node.className = options.className;
  }
  if (options.text !== undefined && options.text !== null) {
    node.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child) {
      node.appendChild(child);
    }
  }
  return node;
}

/** A button with a visible label (its accessible name) and an action. */
export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  options: IElementOptions & { icon?: LabIcon; title?: string } = {}
): HTMLButtonElement {
  const node = el('button', {
    ...options,
    className: `jp-Button panhub-CatalogueButton ${options.className ?? ''}`.trim(),
    attrs: { type: 'button', title: options.title, ...(options.attrs ?? {}) }
  });
  if (options.icon) {
    node.appendChild(options.icon.element({ tag: 'span', className: 'panhub-CatalogueButton-icon' }));
  }
  node.appendChild(el('span', { text: label }));
  node.addEventListener('click', onClick);
  return node;
}

/** An icon as an element (decorative: hidden from screen readers, text says it). */
export function iconNode(icon: LabIcon, className = ''): HTMLElement {
  const node = icon.element({ tag: 'span', className: `panhub-CatalogueIcon ${className}`.trim() });
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** Remove every child. */
export function clear(node: Element): void {
  while (node.firstChild) {
    node.removeChild(node.firstChild);
  }
}
