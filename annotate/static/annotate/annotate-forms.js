// The dialog that asks for a tag's attributes, endpoints and note.
// It checks required fields itself and sends nothing until they are filled.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'style') Object.entries(value).forEach(([name, v]) => el.style.setProperty(name, v));
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const human = (key) => String(key).replace(/_/g, ' ');

function control(field, id) {
  if (field.type === 'choice' || field.type === 'options') {
    const options = field.type === 'choice' ? field.choices.map((c) => ({ value: c, label: human(c) })) : field.options;
    const select = h('select', { id },
      h('option', { value: '' }, field.placeholder || '—'),
      options.map((o) => h('option', { value: o.value }, o.label)));
    select.value = field.value ?? '';
    return select;
  }
  if (field.type === 'bool') {
    const box = h('input', { id, type: 'checkbox' });
    box.checked = Boolean(field.value);
    return box;
  }
  const input = field.type === 'note'
    ? h('textarea', { id, rows: 3, maxlength: 5000 })
    : h('input', { id, type: 'text', maxlength: 500, autocomplete: 'off' });
  input.value = field.value || '';
  return input;
}

function read(field, input) {
  if (field.type === 'bool') return input.checked;
  return field.type === 'note' ? input.value : input.value.trim();
}

const isRequired = (field, values) => (typeof field.required === 'function' ? field.required(values) : field.required);

// fields: [{key, name, type: choice|options|text|bool|note, choices | options, value, required, help}]
export function openForm(dialog, { title, intro, fields, submit = 'Save', check, onSubmit, onClose }) {
  const inputs = {};
  const errors = {};
  const rows = fields.map((field) => {
    const id = `f-${field.key}`;
    const input = control(field, id);
    inputs[field.key] = input;
    errors[field.key] = h('div', { class: 'field-error', id: `${id}-error` });
    input.setAttribute('aria-describedby', `${id}-error`);
    if (field.required === true) input.setAttribute('aria-required', 'true');
    const label = h('label', { for: id }, field.name, field.required === true ? h('span', { class: 'req' }, ' (required)') : null);
    const help = field.help ? h('div', { class: 'help' }, field.help) : null;
    return field.type === 'bool'
      ? h('div', { class: 'field check' }, input, label, help, errors[field.key])
      : h('div', { class: 'field' }, label, input, help, errors[field.key]);
  });
  const summary = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { novalidate: true, class: 'tag-form' },
    h('h2', { id: 'form-title' }, title),
    intro ? h('p', { class: 'intro' }, intro) : null,
    rows, summary,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, submit, ' ', h('kbd', {}, 'Enter'))));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map((f) => [f.key, read(f, inputs[f.key])]));
    const problems = check ? check(values) : {};
    for (const field of fields) {
      if (isRequired(field, values) && (values[field.key] === '' || values[field.key] == null)) {
        problems[field.key] = `${field.name} is required${field.requiredWhy ? ` ${field.requiredWhy(values)}` : ''}.`;
      }
    }
    for (const field of fields) {
      errors[field.key].textContent = problems[field.key] || '';
      inputs[field.key].setAttribute('aria-invalid', problems[field.key] ? 'true' : 'false');
    }
    const wrong = fields.filter((f) => problems[f.key]);
    if (wrong.length) {
      summary.textContent = `Nothing was sent: ${wrong.map((f) => problems[f.key]).join(' ')}`;
      inputs[wrong[0].key].focus();
      return;
    }
    dialog.close();
    onSubmit(values);
  });
  form.addEventListener('keydown', (event) => {
    const tag = event.target.tagName;
    const enterSubmits = event.ctrlKey || tag === 'SELECT' || (tag === 'INPUT' && event.target.type === 'checkbox');
    if (event.key === 'Enter' && enterSubmits) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  dialog.replaceChildren(form);
  dialog.onclose = () => onClose && onClose();
  dialog.showModal();
  const first = fields.find((f) => f.focus) || fields.find((f) => f.type !== 'bool' && !f.value) || fields[0];
  if (first) inputs[first.key].focus();
}
