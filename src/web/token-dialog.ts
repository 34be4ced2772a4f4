/** Asks for the API's bearer token when the API answers 401 (or when the user asks to change it). */
import { h } from './dom.js';

export interface TokenDialog {
  readonly node: HTMLDialogElement;
  open(why: string): void;
}

export function tokenDialog(use: (token: string | null) => void): TokenDialog {
  const why = h('p', { class: 'dialog-why' });
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'API token', size: '40' });
  const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
  const form = h('form', { method: 'dialog' },
    h('h2', null, 'API token'),
    why,
    h('label', null, 'Bearer token ', input),
    h('p', { class: 'muted' }, 'Kept for this browser tab only (sessionStorage); sent as Authorization: Bearer … to /api/v1.'),
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'submit', value: 'ok', class: 'apply' }, 'Use token'), cancel));
  const node = h('dialog', { class: 'token-dialog', 'data-dialog': 'token' }, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    input.value = '';
    node.close();
    use(token === '' ? null : token);
  });
  cancel.addEventListener('click', () => node.close());
  return {
    node,
    open(text) {
      why.textContent = text;
      if (!node.open) node.showModal();
      input.focus();
    },
  };
}
