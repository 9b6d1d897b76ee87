// Builds DOM nodes without innerHTML: every text from the server or a user goes in as a text
// node, so a chat message or a room name can never become markup (and the CSP forbids inline
// scripts and styles anyway).

/**
 * Creates an element. `props`: class, text, on (event → handler), attrs (name → value; false
 * or null leaves it out), and any other key is set as a property (value, checked, disabled…).
 * Children: nodes, strings (text nodes), arrays (flattened), null/undefined/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) {
        if (v !== false && v !== null && v !== undefined) el.setAttribute(name, v === true ? '' : String(v));
      }
    } else el[key] = value;
  }
  append(el, children);
  return el;
}

/** Appends children (see h) to a node. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A small label (a role, LIVE, hand up); `kind` picks its colours (.badge-KIND in base.css). */
export function badge(text, kind) {
  return h('span', { class: ['badge', `badge-${kind}`], text });
}

/** A short-lived message at the bottom of the screen (role=status, read by screen readers). */
export function toast(text, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.append(box);
  }
  const item = h('div', { class: ['toast', `toast-${kind}`], text });
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 3500);
}

/** Copies text to the clipboard; falls back to a selected text area where the API is missing. */
export async function copy_text(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // http://HOST (not localhost) is not a secure context: no Clipboard API there.
  const area = h('textarea', { value: text, class: 'offscreen', attrs: { readonly: true } });
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy; select the link and copy it by hand');
}

/** Runs `action` with a button disabled meanwhile; an error becomes a toast. */
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (e) {
    toast(e.message, 'error');
    return undefined;
  } finally {
    button.disabled = false;
  }
}
