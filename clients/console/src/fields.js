// The form engine: draws a form's fields with the GOV.UK Design System's patterns (the date
// input, radios, checkboxes, "add another" for repeatable items), reads them into a request,
// fills them from a request-shaped object (a review starts from the current plan, a correction
// from the event it corrects), and puts each error beside its field in plain English.
//
// A field is { path, label, type, hint, options } with `path` the request field it fills
// ("designation.letter_sent_on"), which is also how the server names a bad field. A repeatable
// field is { type: 'repeat', path, label, item, fields, min } whose sub-fields' paths are
// relative to each item ("description" in "action_plan.plan.actions[0].description").
import { html } from './html.js';

export const idOf = (path) => `f-${path.replace(/[^a-z0-9]+/gi, '-')}`;

// "Evidence" -> "evidence" in a sentence; a label with a name or abbreviation in it ("Lead
// Officer", "RAG rating", "URN") keeps its capitals.
const lower = (text) => (/^[A-Z][a-z]/.test(text) && !/\s[A-Z]/.test(text)
  ? text.charAt(0).toLowerCase() + text.slice(1) : text);

function hintOf(f, id) {
  return f.hint ? html`<div id="${id}-hint" class="govuk-hint">${f.hint}</div>` : '';
}

const errorSlot = (id) => html`<p class="govuk-error-message" id="${id}-error" hidden></p>`;

// One fieldset per item of a repeatable field, numbered from 1, each with its own Remove button.
function repeatItems(f, count) {
  const items = [];
  for (let i = 0; i < count; i += 1) {
    const at = `${f.path}[${i}]`;
    items.push(html`<fieldset class="govuk-fieldset scc-repeat__item" data-index="${i}">
      <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${f.item.replace(/^./, (c) => c.toUpperCase())} ${i + 1}</legend>
      ${f.fields.map((sub) => field({ ...sub, path: `${at}.${sub.path}` }))}
      ${count > (f.min || 0) ? html`<button type="button" class="govuk-button govuk-button--secondary scc-repeat__remove"
        data-remove="${f.path}" data-index="${i}">Remove ${f.item} ${i + 1}</button>` : ''}
    </fieldset>`);
  }
  return items;
}

export function field(f) {
  const id = idOf(f.path);
  const hint = hintOf(f, id);
  const describedBy = f.hint ? `${id}-hint` : '';
  const aria = describedBy ? html` aria-describedby="${describedBy}"` : '';
  const labelled = (inner) => html`<div class="govuk-form-group" data-path="${f.path}" data-label="${f.label}" data-type="${f.type || 'text'}">
      <label class="govuk-label" for="${id}">${f.label}</label>${hint}${errorSlot(id)}${inner}</div>`;
  const grouped = (inner, extra = '') => html`<div class="govuk-form-group" data-path="${f.path}" data-label="${f.label}" data-type="${f.type}">
      <fieldset class="govuk-fieldset" role="group"${aria}${extra}>
      <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${f.label}</legend>${hint}${errorSlot(id)}${inner}</fieldset></div>`;
  switch (f.type) {
    case 'textarea':
    case 'lines':
      return labelled(html`<textarea class="govuk-textarea" id="${id}" name="${f.path}" rows="${f.type === 'lines' ? 4 : 3}"${aria}></textarea>`);
    case 'date':
      // The GOV.UK date input: day, month and year in their own fields.
      return grouped(html`<div class="govuk-date-input" id="${id}-date">
        ${[['day', 'Day', 2], ['month', 'Month', 2], ['year', 'Year', 4]].map(([part, text, width]) => html`
          <div class="govuk-date-input__item"><div class="govuk-form-group">
            <label class="govuk-label govuk-date-input__label" for="${part === 'day' ? id : `${id}-${part}`}">${text}</label>
            <input class="govuk-input govuk-date-input__input govuk-input--width-${width}" id="${part === 'day' ? id : `${id}-${part}`}"
              name="${f.path}.${part}" type="text" inputmode="numeric" autocomplete="off" spellcheck="false">
          </div></div>`)}
      </div>`);
    case 'select':
      return labelled(html`<select class="govuk-select" id="${id}" name="${f.path}"${aria}>
        <option value="">Choose</option>
        ${f.options.map((o) => html`<option value="${o.value}">${o.text}</option>`)}</select>`);
    case 'radios':
    case 'checkboxes': {
      const kind = f.type === 'radios' ? 'radio' : 'checkbox';
      const css = f.type === 'radios' ? 'govuk-radios' : 'govuk-checkboxes';
      return grouped(html`<div class="${css} ${css}--small" data-module="${css}">
        ${f.options.map((o, i) => html`<div class="${css}__item">
          <input class="${css}__input" id="${i ? `${id}-${i}` : id}" name="${f.path}" type="${kind}" value="${o.value}">
          <label class="govuk-label ${css}__label" for="${i ? `${id}-${i}` : id}">${o.text}</label></div>`)}
      </div>`);
    }
    case 'repeat':
      return html`<div class="govuk-form-group scc-repeat" data-path="${f.path}" data-label="${f.label}" data-type="repeat" id="${id}">
        <h2 class="govuk-heading-m">${f.label}</h2>${hint}${errorSlot(id)}
        <div class="scc-repeat__items">${repeatItems(f, Math.max(f.min || 0, 1))}</div>
        <button type="button" class="govuk-button govuk-button--secondary" data-add="${f.path}">Add another ${f.item}</button>
      </div>`;
    default:
      return labelled(html`<input class="govuk-input" id="${id}" name="${f.path}" type="text"${aria}>`);
  }
}

// "2024-09-30" from a date input's three fields; '' when all are empty; null when they do not
// make a real date.
function dateValue(form, path) {
  const part = (name) => (form.querySelector(`[name="${path}.${name}"]`) || {}).value?.trim() || '';
  const [d, m, y] = [part('day'), part('month'), part('year')];
  if (!d && !m && !y) return '';
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return null;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(m) - 1) return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

// Sets `value` at a path such as "concern.triggers[0].evidence".
export function setPath(target, path, value) {
  const parts = path.split('.').flatMap((p) => {
    const m = p.match(/^(\w+)\[(\d+)\]$/);
    return m ? [m[1], Number(m[2])] : [p];
  });
  let at = target;
  parts.slice(0, -1).forEach((part, i) => {
    if (at[part] === undefined) at[part] = typeof parts[i + 1] === 'number' ? [] : {};
    at = at[part];
  });
  at[parts[parts.length - 1]] = value;
}

export function getPath(source, path) {
  return path.split('.').flatMap((p) => {
    const m = p.match(/^(\w+)\[(\d+)\]$/);
    return m ? [m[1], Number(m[2])] : [p];
  }).reduce((at, part) => (at === undefined || at === null ? undefined : at[part]), source);
}

const itemCount = (form, f) => form.querySelectorAll(`[data-path="${f.path}"] > .scc-repeat__items > .scc-repeat__item`).length;

// The fields of a form with each repeatable field's items spelled out, as [field, path] pairs.
function flatten(form, fields) {
  return fields.flatMap((f) => (f.type === 'repeat'
    ? Array.from({ length: itemCount(form, f) }, (_, i) => flatten(form, f.fields.map((sub) => (
      { ...sub, path: `${f.path}[${i}].${sub.path}` })))).flat()
    : [f]));
}

// Reads the form into `request`; returns the dates that are not real dates, as problems. Items
// of repeatable fields left empty are dropped unless `keepPlaces` (while the form is edited).
export function readFields(form, fields, request, keepPlaces = false) {
  const problems = [];
  for (const f of flatten(form, fields)) {
    const inputs = [...form.querySelectorAll(`[name="${f.path}"]`)];
    let value;
    if (f.type === 'date') {
      value = dateValue(form, f.path);
      if (value === null) {
        problems.push({ field: f.path, description: 'must be a real date, for example 27 3 2025' });
        continue;
      }
    } else if (f.type === 'checkboxes') value = inputs.filter((i) => i.checked).map((i) => i.value);
    else if (f.type === 'radios') value = (inputs.find((i) => i.checked) || {}).value;
    else if (f.type === 'lines') value = inputs[0].value.split('\n').map((s) => s.trim()).filter(Boolean);
    else value = inputs[0].value.trim();
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    setPath(request, f.path, value);
    if (f.area) setPath(request, f.path.replace(/\.grade$/, '.area'), f.area);
  }
  // Items left empty leave holes in their lists; the server wants only the items given.
  const compact = (value) => {
    if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null).map(compact);
    if (value && typeof value === 'object') Object.keys(value).forEach((k) => { value[k] = compact(value[k]); });
    return value;
  };
  if (!keepPlaces) compact(request);
  return problems;
}

// Draws a repeatable field again with `count` items, keeping what was typed in the others.
function redrawRepeat(form, f, count, values) {
  const group = form.querySelector(`[data-path="${f.path}"]`);
  group.querySelector('.scc-repeat__items').innerHTML = repeatItems(f, count).map((i) => i.text).join('');
  const holder = {};
  setPath(holder, f.path, values);
  fillFields(form, [f], holder);
}

// Wires the "Add another" and "Remove" buttons of every repeatable field, moving focus to the
// new item's first field, or to the item that takes a removed one's place.
export function wireRepeats(form, fields) {
  const repeats = new Map();
  const collect = (list) => list.forEach((f) => {
    if (f.type === 'repeat') { repeats.set(f.path, f); collect(f.fields); }
  });
  collect(fields);
  form.addEventListener('click', (event) => {
    const add = event.target.closest('[data-add]');
    const remove = event.target.closest('[data-remove]');
    const button = add || remove;
    if (!button) return;
    event.preventDefault();
    const f = repeats.get(button.dataset.add || button.dataset.remove);
    const values = getPath(readRaw(form, f), f.path) || [];
    const count = itemCount(form, f);
    for (let i = 0; i < count; i += 1) values[i] = values[i] || {};
    if (add) values.push({});
    else values.splice(Number(button.dataset.index), 1);
    redrawRepeat(form, f, values.length, values);
    const items = form.querySelectorAll(`[data-path="${f.path}"] > .scc-repeat__items > .scc-repeat__item`);
    const target = items[add ? items.length - 1 : Math.min(Number(button.dataset.index), items.length - 1)];
    const focus = target && target.querySelector('input, select, textarea');
    if (focus) focus.focus();
    else form.querySelector(`[data-add="${f.path}"]`).focus();
  });
}

// What one repeatable field holds now, item by item, dates as typed (even when not yet real).
function readRaw(form, f) {
  const request = {};
  readFields(form, [f], request, true);
  for (const sub of flatten(form, [f]).filter((s) => s.type === 'date')) {
    const part = (name) => (form.querySelector(`[name="${sub.path}.${name}"]`) || {}).value || '';
    if (part('day') || part('month') || part('year')) setPath(request, sub.path, { typed: [part('day'), part('month'), part('year')] });
  }
  return request;
}

// Fills the fields from a request-shaped object (snake_case names, as the form's paths).
export function fillFields(form, fields, values) {
  for (const f of fields) {
    if (f.type === 'repeat') {
      const items = getPath(values, f.path) || [];
      if (items.length > itemCount(form, f)) {
        const group = form.querySelector(`[data-path="${f.path}"]`);
        group.querySelector('.scc-repeat__items').innerHTML = repeatItems(f, items.length).map((i) => i.text).join('');
      }
      items.forEach((item, i) => fillFields(form, f.fields.map((sub) => ({ ...sub, path: `${f.path}[${i}].${sub.path}` })), values));
      continue;
    }
    const value = getPath(values, f.path);
    if (value === undefined || value === null) continue;
    const inputs = [...form.querySelectorAll(`[name="${f.path}"]`)];
    if (f.type === 'date') {
      const [y, m, d] = value.typed ? [value.typed[2], value.typed[1], value.typed[0]] : String(value).split('-');
      const set = (name, v) => { const input = form.querySelector(`[name="${f.path}.${name}"]`); if (input) input.value = v || ''; };
      set('day', value.typed ? d : String(Number(d) || ''));
      set('month', value.typed ? m : String(Number(m) || ''));
      set('year', y);
    } else if (f.type === 'checkboxes') inputs.forEach((i) => { i.checked = [].concat(value).includes(i.value); });
    else if (f.type === 'radios') inputs.forEach((i) => { i.checked = i.value === value; });
    else if (f.type === 'lines') inputs[0].value = [].concat(value).join('\n');
    else if (inputs[0]) inputs[0].value = value;
  }
}

// A server's description of a bad field, as a sentence that names the field as the form does
// (the GOV.UK error message guidance: "Enter …", "Select …").
export function errorText(group, description) {
  const label = group ? group.dataset.label : '';
  const type = group ? group.dataset.type : '';
  if (!label) return description.replace(/^./, (c) => c.toUpperCase());
  if (description === 'is required') {
    if (['select', 'radios'].includes(type)) return `Select ${lower(label)}`;
    if (type === 'checkboxes') return `Select at least one: ${lower(label)}`;
    return `Enter ${lower(label)}`;
  }
  const needs = description.match(/^needs at least one (.+)$/);
  if (needs) return `Add at least one ${needs[1]}`;
  if (/^(must|is|cannot|has|was) /.test(description)) return `${label} ${description}`;
  // A sentence that cites its rule says what to do by itself.
  if (/\(R-\d+\)/.test(description)) return description.replace(/^./, (c) => c.toUpperCase());
  return `${label}: ${description}`;
}

// Marks the fields named by `violations` ({field, description}) and returns the error summary's
// items; a violation whose field the form does not show is listed as it is.
export function markErrors(form, violations) {
  form.querySelectorAll('.govuk-form-group--error').forEach((g) => g.classList.remove('govuk-form-group--error'));
  form.querySelectorAll('.govuk-error-message').forEach((m) => { m.hidden = true; });
  form.querySelectorAll('.govuk-input--error, .govuk-select--error, .govuk-textarea--error')
    .forEach((i) => i.classList.remove('govuk-input--error', 'govuk-select--error', 'govuk-textarea--error'));
  const groups = [...form.querySelectorAll('[data-path]')];
  return violations.map((v) => {
    // The deepest group whose path is the field or holds it ("plan.actions[0]" for its items).
    const group = groups.filter((g) => v.field === g.dataset.path || v.field.startsWith(`${g.dataset.path}[`)
      || v.field.startsWith(`${g.dataset.path}.`))
      .sort((a, b) => b.dataset.path.length - a.dataset.path.length)[0];
    const text = errorText(group, v.description);
    if (!group) return { text, href: '' };
    group.classList.add('govuk-form-group--error');
    const message = group.querySelector('.govuk-error-message');
    message.hidden = false;
    message.innerHTML = html`<span class="govuk-visually-hidden">Error:</span> ${text}`.text;
    const input = group.querySelector('input, select, textarea, button');
    if (input && input.tagName !== 'BUTTON' && input.type !== 'radio' && input.type !== 'checkbox') {
      input.classList.add(input.tagName === 'SELECT' ? 'govuk-select--error'
        : input.tagName === 'TEXTAREA' ? 'govuk-textarea--error' : 'govuk-input--error');
    }
    if (input) {
      const described = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
      described.add(message.id);
      input.setAttribute('aria-describedby', [...described].join(' '));
    }
    return { text, href: input ? `#${input.id}` : '' };
  });
}

// The answers as (question, answer) rows for "check your answers", in the form's order.
export function answers(form, fields, request) {
  const rows = [];
  const words = (f, value) => {
    if (f.options) {
      const text = (v) => (f.options.find((o) => o.value === v) || { text: v }).text;
      return [].concat(value).map(text).join(', ');
    }
    if (f.type === 'date') {
      const [y, m, d] = String(value).split('-');
      return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    }
    return [].concat(value).join('; ');
  };
  for (const f of flatten(form, fields)) {
    const value = getPath(request, f.path);
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    const item = f.path.match(/\.(\w+)\[(\d+)\]\.[^.[\]]+$/);
    const parent = item && fields.find((p) => p.type === 'repeat' && f.path.startsWith(`${p.path}[`));
    rows.push({ key: parent ? `${parent.item.replace(/^./, (c) => c.toUpperCase())} ${Number(item[2]) + 1}: ${lower(f.label)}` : f.label,
      value: words(f, value), href: `#${idOf(f.path)}` });
  }
  return rows;
}
