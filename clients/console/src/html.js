// Building HTML safely: html`<p>${value}</p>` escapes every value unless it is itself built with
// html`` (or an array of such), so text from the server never becomes markup.

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

export function escape(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function render(value) {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === false || value === null || value === undefined) return '';
  return escape(value);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Safe(out);
}

// Puts `content` into the page's main region and moves focus to its heading, so keyboard and
// screen-reader users start at the top of the new page.
export function show(content, title) {
  const main = document.getElementById('main-content');
  main.innerHTML = render(content);
  document.title = `${title} – Schools and settings causing concern`;
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}
