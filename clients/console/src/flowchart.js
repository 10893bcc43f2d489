// The SCC flowchart (the rulebook's section 4) as an SVG drawing: one layout per kind of
// institution, the current state highlighted and the path the institution took marked. The
// states and the path come from the server (GetWorkflowState with include_path); this file only
// says where each state is drawn and which arrows the flowchart shows.
import { html } from './html.js';
import { stateKey, stateName } from './names.js';

const LAYOUTS = {
  INSTITUTION_KIND_MAINTAINED_SCHOOL: {
    nodes: {
      MONITORED: [0, 0], AT_RISK: [1, 0], DESIGNATED: [2, 0], LO_ASSIGNED: [3, 0],
      ACTION_PLAN_ACTIVE: [4, 0], REMOVED: [0, 1], OFSTED_CATEGORY: [2, 1],
      WARNING_NOTICE: [4, 1], INTERVENTION: [2, 2], ELIGIBLE_FOR_INTERVENTION: [4, 2], CLOSED: [0, 2],
    },
    edges: [
      ['MONITORED', 'AT_RISK'], ['AT_RISK', 'DESIGNATED'], ['DESIGNATED', 'LO_ASSIGNED'],
      ['LO_ASSIGNED', 'ACTION_PLAN_ACTIVE'], ['ACTION_PLAN_ACTIVE', 'WARNING_NOTICE'],
      ['WARNING_NOTICE', 'ELIGIBLE_FOR_INTERVENTION'], ['ELIGIBLE_FOR_INTERVENTION', 'INTERVENTION'],
      ['OFSTED_CATEGORY', 'INTERVENTION'], ['DESIGNATED', 'OFSTED_CATEGORY'],
      ['REMOVED', 'AT_RISK'], ['ACTION_PLAN_ACTIVE', 'REMOVED'],
    ],
    note: 'Any SCC state can move to Ofsted category (special measures, or requires significant improvement, '
      + 'formerly serious weaknesses) or to Removed (R-13 to R-15); any state to Closed when the school '
      + 'closes or converts to an academy, which ends the episode.',
  },
  INSTITUTION_KIND_ACADEMY: {
    nodes: {
      MONITORED: [0, 0], CONCERN_RAISED_WITH_SCHOOL: [1, 0], TRUST_INFORMED: [2, 0],
      TRUST_PLAN_SHARED: [3, 0], ESCALATED: [3, 1], RESOLVED: [4, 0], CLOSED: [0, 1],
    },
    edges: [
      ['MONITORED', 'CONCERN_RAISED_WITH_SCHOOL'], ['CONCERN_RAISED_WITH_SCHOOL', 'TRUST_INFORMED'],
      ['TRUST_INFORMED', 'TRUST_PLAN_SHARED'], ['TRUST_PLAN_SHARED', 'ESCALATED'],
      ['TRUST_INFORMED', 'ESCALATED'], ['TRUST_PLAN_SHARED', 'RESOLVED'], ['ESCALATED', 'RESOLVED'],
    ],
    note: 'Escalation to the Regional Director, the DfE Regions Group (formerly ESFA), RISE or HMI only after the Trust was informed (R-20).',
  },
  INSTITUTION_KIND_EARLY_YEARS_SETTING: {
    nodes: {
      MONITORED: [0, 0], CAUSING_CONCERN: [1, 0], SUPPORT_ACTIVE: [2, 0], REMOVED: [3, 0], CLOSED: [0, 1],
    },
    edges: [
      ['MONITORED', 'CAUSING_CONCERN'], ['CAUSING_CONCERN', 'SUPPORT_ACTIVE'],
      ['SUPPORT_ACTIVE', 'REMOVED'], ['CAUSING_CONCERN', 'REMOVED'],
    ],
    note: 'A setting stays on the list until practice improves or its Ofsted grade changes (R-23).',
  },
};

const WIDTH = 150;
const HEIGHT = 48;
const STEP_X = 185;
const STEP_Y = 92;
const MARGIN = 12;

function centre([column, row]) {
  return [MARGIN + column * STEP_X + WIDTH / 2, MARGIN + row * STEP_Y + HEIGHT / 2];
}

// Where the line from `a` to `b` leaves a's box.
function boxEdge([x, y], [tx, ty]) {
  const dx = tx - x;
  const dy = ty - y;
  const scale = Math.min(
    dx === 0 ? Infinity : (WIDTH / 2 + 4) / Math.abs(dx),
    dy === 0 ? Infinity : (HEIGHT / 2 + 4) / Math.abs(dy));
  return [x + dx * scale, y + dy * scale];
}

function label(text, x, y) {
  const words = text.split(' ');
  const lines = [''];
  for (const word of words) {
    const line = lines[lines.length - 1];
    if (line && (line + ' ' + word).length > 19) lines.push(word);
    else lines[lines.length - 1] = line ? `${line} ${word}` : word;
  }
  const top = y - ((lines.length - 1) * 16) / 2 + 5;
  return lines.map((line, i) => html`<tspan x="${x}" y="${top + i * 16}">${line}</tspan>`);
}

// `kind`: the institution's kind; `state`: its current state; `path`: StateChange list, oldest
// first.
export function flowchart(kind, state, path) {
  const layout = LAYOUTS[kind] || LAYOUTS.INSTITUTION_KIND_MAINTAINED_SCHOOL;
  const current = stateKey(state);
  const visited = new Set(path.map((step) => stateKey(step.state)));
  const taken = new Set();
  for (let i = 1; i < path.length; ++i) {
    taken.add(`${stateKey(path[i - 1].state)}>${stateKey(path[i].state)}`);
  }
  const edges = [...layout.edges];
  for (const pair of taken) {
    const [from, to] = pair.split('>');
    if (layout.nodes[from] && layout.nodes[to] &&
        !edges.some(([a, b]) => a === from && b === to)) {
      edges.push([from, to]);
    }
  }
  const columns = Math.max(...Object.values(layout.nodes).map(([c]) => c)) + 1;
  const rows = Math.max(...Object.values(layout.nodes).map(([, r]) => r)) + 1;
  const width = MARGIN * 2 + (columns - 1) * STEP_X + WIDTH;
  const height = MARGIN * 2 + (rows - 1) * STEP_Y + HEIGHT;

  const arrows = edges.map(([from, to]) => {
    const a = centre(layout.nodes[from]);
    const b = centre(layout.nodes[to]);
    const [x1, y1] = boxEdge(a, b);
    const [x2, y2] = boxEdge(b, a);
    const onPath = taken.has(`${from}>${to}`);
    return html`<line class="${onPath ? 'scc-flow__edge scc-flow__edge--taken' : 'scc-flow__edge'}"
      x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"
      marker-end="url(#${onPath ? 'scc-arrow-taken' : 'scc-arrow'})"></line>`;
  });
  const boxes = Object.entries(layout.nodes).map(([name, position]) => {
    const [x, y] = centre(position);
    const kindOf = name === current ? 'current' : visited.has(name) ? 'visited' : 'other';
    return html`<g class="scc-flow__node scc-flow__node--${kindOf}" data-state="${name}">
      <rect x="${x - WIDTH / 2}" y="${y - HEIGHT / 2}" width="${WIDTH}" height="${HEIGHT}" rx="4"></rect>
      <text text-anchor="middle">${label(stateName(name), x, y)}</text></g>`;
  });
  const description = path.length
    ? `Path taken: ${path.map((s) => `${stateName(s.state)} (${s.on})`).join(', then ')}.`
    : 'No path recorded.';
  return html`
    <figure class="scc-flow">
      <svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="scc-flow-title scc-flow-desc"
           focusable="false">
        <title id="scc-flow-title">Flowchart: the institution is now in the state ${stateName(current)}</title>
        <desc id="scc-flow-desc">${description}</desc>
        <defs>
          <marker id="scc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="scc-flow__head"></path></marker>
          <marker id="scc-arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="scc-flow__head scc-flow__head--taken"></path></marker>
        </defs>
        ${arrows}${boxes}
      </svg>
      <figcaption class="govuk-body-s">
        Current state: <strong>${stateName(current)}</strong> (dark box). States on the path taken
        have a blue border and blue arrows. ${layout.note}
      </figcaption>
    </figure>
    <details class="govuk-details">
      <summary class="govuk-details__summary"><span class="govuk-details__summary-text">Path taken, step by step</span></summary>
      <div class="govuk-details__text">
        <ol class="govuk-list govuk-list--number">
          ${path.map((s) => html`<li>${stateName(s.state)} from ${s.on} (version ${s.version})</li>`)}
        </ol>
      </div>
    </details>`;
}
