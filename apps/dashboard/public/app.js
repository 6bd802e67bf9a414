// The dashboard page: one EventSource, one Cytoscape graph, three plain DOM panels.
// No framework: the page redraws from whole `state` messages and appends `log` entries.
/* global cytoscape */

const MAX_LOG_ITEMS = 300;
const COUNTERS = [
  "neighbors",
  "messagesIn",
  "messagesOut",
  "duplicates",
  "forwarded",
  "throttlePauses",
  "pruned",
  "refusalsSent",
];

const $ = (id) => document.getElementById(id);
let state;
let selected;
let selectedLink;
let lastTopology = "";
let layout;
let lastSeq = 0;
const previous = new Map();

const cy = cytoscape({
  container: $("graph"),
  wheelSensitivity: 0.3,
  minZoom: 0.3,
  // Small meshes would otherwise be zoomed until the nodes fill the screen.
  maxZoom: 1.4,
  style: [
    {
      selector: "node",
      style: {
        width: 38,
        height: 38,
        "background-color": "#2f9e6b",
        "border-width": 3,
        "border-color": "#ffffff",
        label: "data(label)",
        "font-size": 13,
        "font-weight": 600,
        color: "#1f2933",
        "text-valign": "bottom",
        "text-margin-y": 6,
        "text-outline-color": "#f6f7f9",
        "text-outline-width": 3,
      },
    },
    { selector: "node[?offline]", style: { "background-color": "#e09b2d" } },
    {
      selector: "node[kind = 'remote']",
      style: { "background-color": "#9aa5b1", width: 28, height: 28, "font-weight": 400 },
    },
    // Reading paused by the throttle (MC-PRCH §3.1.5.9).
    { selector: "node[?throttled]", style: { "border-color": "#d64545", "border-width": 4 } },
    { selector: "node:selected", style: { "border-color": "#2f6fdf", "border-width": 4 } },
    {
      selector: "edge",
      style: {
        width: "mapData(utility, 0, 4096, 1.5, 9)",
        "line-color": "mapData(utility, 0, 4096, #e8a3a3, #2f6fdf)",
        "curve-style": "bezier",
        label: "data(tag)",
        "font-size": 10,
        color: "#52606d",
        "text-background-color": "#f6f7f9",
        "text-background-opacity": 0.9,
        "text-background-padding": 2,
      },
    },
    { selector: "edge:selected", style: { "overlay-color": "#2f6fdf", "overlay-opacity": 0.15 } },
    // No LinkUtility yet: draw the link neutral rather than as useless.
    { selector: "edge[!measured]", style: { width: 3, "line-color": "#9db4d6" } },
    {
      selector: "edge[state != 'Connected']",
      style: { "line-style": "dashed", "line-color": "#c5ccd3", label: "data(state)" },
    },
  ],
});
cy.on("tap", "node", (e) => select(e.target.id()));
cy.on("tap", "edge", (e) => {
  selectedLink = e.target.id();
  describeLink();
});
cy.on("tap", (e) => {
  if (e.target !== cy) return;
  select(undefined);
  selectedLink = undefined;
  describeLink();
});
// For tests and for the curious: the graph and the latest state.
window.prch = {
  cy,
  get state() {
    return state;
  },
};

function select(id) {
  selected = id;
  cy.nodes().unselect();
  if (id !== undefined) cy.getElementById(id).select();
  for (const tr of $("nodes").tBodies[0].rows)
    tr.classList.toggle("selected", tr.dataset.node === id);
}

function render(s) {
  state = s;
  $("mesh").textContent = s.meshName;
  $("mode").textContent = s.mode;
  document.title = `prch · ${s.meshName}`;
  renderControls(s.controls);
  renderGraph(s);
  renderNodes(s);
  renderResolver(s.resolver);
  const local = s.nodes.filter((n) => n.kind === "local").length;
  const connected = s.links.filter((l) => l.state === "Connected").length;
  $("summary").textContent =
    `${local} node${local === 1 ? "" : "s"} observed · ${s.nodes.length - local} more seen · ${connected} link${connected === 1 ? "" : "s"} · tap a link for both directions`;
  describeLink();
}

// A tapped link shows both directions: each end's LinkUtility of what it receives from the other.
function describeLink() {
  const box = $("link-info");
  const l = selectedLink && state?.links.find((x) => x.id === selectedLink);
  box.hidden = !l;
  if (!l) return;
  const name = (id) => state.nodes.find((n) => n.id === id)?.label ?? id.slice(0, 6);
  const end = (from, to, e) =>
    e
      ? `${name(to)} → ${name(from)}: utility ${e.utility} after ${e.utilityUpdates} update${e.utilityUpdates === 1 ? "" : "s"}, ${e.pending} pending` +
        `, dialed by ${e.initiator ? name(from) : name(to)}`
      : `${name(to)} → ${name(from)}: not observed`;
  box.replaceChildren(
    Object.assign(document.createElement("b"), {
      textContent: `${name(l.a)} ⇄ ${name(l.b)} · ${l.state}`,
    }),
    document.createElement("br"),
    end(l.a, l.b, l.fromA),
    document.createElement("br"),
    end(l.b, l.a, l.fromB),
  );
}

function renderControls(c) {
  $("controls").hidden = !(c.addNode || c.burst || c.killNode);
  $("add").hidden = !c.addNode;
  $("burst-group").hidden = !c.burst;
}

function renderGraph(s) {
  const ids = new Set();
  cy.batch(() => {
    for (const n of s.nodes) {
      ids.add(n.id);
      const data = {
        id: n.id,
        label: n.label,
        kind: n.kind,
        offline: !n.online,
        throttled: n.counters?.throttled === true,
      };
      const el = cy.getElementById(n.id);
      if (el.nonempty()) el.data(data);
      else cy.add({ group: "nodes", data, position: spawnPoint(s, n.id) });
    }
    for (const l of s.links) {
      ids.add(l.id);
      const data = {
        id: l.id,
        source: l.a,
        target: l.b,
        utility: l.utility,
        state: l.state,
        measured: l.measured,
        tag: l.measured ? String(l.utility) : "",
      };
      const el = cy.getElementById(l.id);
      if (el.nonempty()) el.data(data);
      else cy.add({ group: "edges", data });
    }
    cy.elements()
      .filter((el) => !ids.has(el.id()))
      .remove();
  });
  // Re-run the layout only when who-links-to-whom changed, so the picture stays still otherwise.
  const topology = [...ids].sort().join(",");
  if (topology !== lastTopology) {
    const first = lastTopology === "";
    lastTopology = topology;
    // One layout at a time: a newer topology replaces a layout still animating.
    layout?.stop();
    const count = cy.nodes().length;
    // Up to a dozen nodes a ring sorted by name keeps everyone in a predictable place, so a
    // change reads as links moving, not nodes; bigger meshes get a force-directed layout.
    layout = cy.layout(
      count <= 12
        ? {
            name: "circle",
            sort: (a, b) => a.data("label").localeCompare(b.data("label")),
            radius: Math.max(150, count * 28),
            startAngle: -Math.PI / 2,
            animate: !first,
            animationDuration: 450,
            fit: true,
            padding: 70,
          }
        : {
            name: "cose",
            animate: first ? false : "end",
            animationDuration: 450,
            randomize: true,
            fit: true,
            padding: 60,
            nodeRepulsion: () => 9000,
            idealEdgeLength: () => 110,
          },
    );
    layout.run();
  }
}

// A new node appears beside a neighbor it already has, rather than at the origin.
function spawnPoint(s, id) {
  for (const l of s.links) {
    const other = l.a === id ? l.b : l.b === id ? l.a : undefined;
    const el = other && cy.getElementById(other);
    if (el?.nonempty()) {
      const p = el.position();
      return { x: p.x + 40, y: p.y + 40 };
    }
  }
  const e = cy.extent();
  return { x: (e.x1 + e.x2) / 2, y: (e.y1 + e.y2) / 2 };
}

function renderNodes(s) {
  const body = $("nodes").tBodies[0];
  const rows = s.nodes.filter((n) => n.kind === "local");
  const seen = new Set();
  for (const n of rows) {
    seen.add(n.id);
    let tr = body.querySelector(`tr[data-node="${n.id}"]`);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.node = n.id;
      tr.addEventListener("click", () => select(n.id));
      const name = document.createElement("td");
      tr.append(name);
      for (const c of COUNTERS) {
        const td = document.createElement("td");
        td.dataset.counter = c;
        tr.append(td);
      }
      const act = document.createElement("td");
      tr.append(act);
      body.append(tr);
    }
    const [name, ...cells] = tr.cells;
    name.replaceChildren(
      n.label,
      Object.assign(document.createElement("span"), {
        className: "id",
        textContent: n.id.slice(0, 8),
        title: `NodeId ${n.id}\n${n.endpoint ?? ""}`,
      }),
    );
    tr.classList.toggle("offline", !n.online);
    tr.classList.toggle("selected", n.id === selected);
    COUNTERS.forEach((c, i) => {
      const td = cells[i];
      const v = n.counters?.[c] ?? 0;
      const key = `${n.id}:${c}`;
      if (previous.has(key) && previous.get(key) !== v) {
        td.classList.remove("bump");
        void td.offsetWidth; // restart the highlight animation
        td.classList.add("bump");
      }
      previous.set(key, v);
      td.textContent = String(v);
    });
    const act = cells[COUNTERS.length];
    if (s.controls.killNode && act.childElementCount === 0) {
      const b = document.createElement("button");
      b.className = "kill";
      b.type = "button";
      b.textContent = "kill";
      b.title = `kill ${n.label} abruptly (no LeavingMesh)`;
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        b.disabled = true;
        control(`/api/nodes/${n.id}/kill`, {}, (r) => `killed ${r.label}`);
      });
      act.append(b);
    }
  }
  for (const tr of [...body.rows]) if (!seen.has(tr.dataset.node)) tr.remove();
}

function renderResolver(r) {
  $("resolver-address").textContent = r ? r.address : "(none)";
  const stats = $("resolver-stats");
  if (!r) {
    stats.textContent = "no resolver to ask";
    $("registrations").replaceChildren();
    return;
  }
  const parts = [];
  if (r.service) {
    parts.push(
      `${r.service.registrations} registration${r.service.registrations === 1 ? "" : "s"} in ${r.service.meshes} mesh${r.service.meshes === 1 ? "" : "es"}`,
      `${r.service.registered} registered`,
      `${r.service.unregistered} unregistered`,
      `${r.service.expired} expired`,
    );
  } else {
    parts.push(
      `${r.registrations.length} registration${r.registrations.length === 1 ? "" : "s"} resolved`,
    );
  }
  if (r.error) parts.push(`error: ${r.error}`);
  stats.textContent = parts.join(" · ");
  const labels = new Map((state?.nodes ?? []).map((n) => [n.id, n.label]));
  $("registrations").replaceChildren(
    ...r.registrations.map((g) => {
      const li = document.createElement("li");
      const label = g.nodeId ? labels.get(g.nodeId) : undefined;
      li.className = label ? "live" : "stale";
      li.title = `${g.endpoint}\n${g.ips.join(", ")}`;
      li.append(
        Object.assign(document.createElement("span"), {
          className: "who",
          textContent: label ?? (state?.mode === "demo" ? "stale" : "?"),
        }),
        g.endpoint,
      );
      return li;
    }),
  );
}

function appendLog(entry) {
  if (entry.seq <= lastSeq) return;
  lastSeq = entry.seq;
  const log = $("log");
  const li = document.createElement("li");
  li.className = entry.kind;
  li.dataset.kind = entry.kind;
  const t = document.createElement("time");
  t.dateTime = entry.at;
  t.textContent = entry.at.slice(11, 19);
  li.append(t, entry.text);
  li.title = entry.text;
  log.prepend(li);
  while (log.childElementCount > MAX_LOG_ITEMS) log.lastElementChild.remove();
}

async function control(path, body, describe) {
  const status = $("status");
  status.textContent = "…";
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const r = await res.json();
    status.textContent = res.ok ? describe(r) : `failed: ${r.error}`;
  } catch (e) {
    status.textContent = `failed: ${e}`;
  }
}

$("add").addEventListener("click", async () => {
  $("add").disabled = true;
  await control("/api/nodes", {}, (r) => `added ${r.label}`);
  $("add").disabled = false;
});
$("burst").addEventListener("click", () => {
  const count = Number($("burst-count").value) || 20;
  control("/api/burst", { count }, (r) => `${r.from} sent ${r.count} messages`);
});

const source = new EventSource("/events");
source.addEventListener("open", () => {
  // Every (re)connection replays the recent log, perhaps from a restarted server whose
  // numbering starts over: rebuild the list from the replay.
  $("log").replaceChildren();
  lastSeq = 0;
  $("conn").textContent = "live";
  $("conn").classList.add("live");
});
source.addEventListener("error", () => {
  $("conn").textContent = "reconnecting…";
  $("conn").classList.remove("live");
});
source.addEventListener("state", (e) => render(JSON.parse(e.data)));
source.addEventListener("log", (e) => appendLog(JSON.parse(e.data)));
