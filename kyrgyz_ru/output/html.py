"""Self-contained interactive HTML pictures: the network and the trend chart as inline SVG with a
small script, nothing fetched when the page opens (the machines of many analysts are offline).

The SVG is written here, in Python, so the page shows the picture and carries every name even
where scripts are off; the script only adds hover cards, clicking, zoom and panning."""

from __future__ import annotations

import json
from html import escape

from kyrgyz_ru.output.graph import Placed
from kyrgyz_ru.output.pictures import (
    SERIES_COLOURS,
    TYPE_COLOURS,
    TYPE_NAMES,
    edge_width,
    name_lines,
    node_radius,
)
from kyrgyz_ru.query.trend import Trend

WIDTH, HEIGHT, MARGIN = 1000, 720, 60
MOST_LABELLED = 45  # more names cover each other; the rest show on hover

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;
 color:#1d1d1d;background:#fff}
header{padding:12px 20px 4px}h1{font-size:19px;margin:0 0 2px}
header p{margin:0;color:#555}
main{display:flex;gap:12px;padding:8px 20px 20px;align-items:flex-start}
svg.picture{flex:1 1 auto;min-width:0;border:1px solid #ddd;border-radius:6px;background:#fcfcfc}
aside{flex:0 0 320px;max-height:90vh;overflow:auto}
.legend div{margin:3px 0}.dot{display:inline-block;width:12px;height:12px;border-radius:50%;
 margin-right:6px;vertical-align:-1px}
.swatch{display:inline-block;width:14px;height:10px;margin-right:6px}
#details{margin-top:14px;border-top:1px solid #ddd;padding-top:10px}
#details h2{font-size:16px;margin:0 0 4px}#details ol{padding-left:18px}
#details li{margin:6px 0}.when{color:#555;font-size:12px}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:6px 9px;
 border-radius:4px;font-size:13px;display:none;max-width:320px;z-index:2}
.node{cursor:pointer}.node text{font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:3px;
 stroke-linejoin:round}
.node.quiet text{display:none}.node.quiet:hover text,.node.lit text{display:inline}
.dim{opacity:.15}
.bar:hover,.point:hover{stroke:#000;stroke-width:1.5}
"""

_NETWORK_SCRIPT = """
const data=JSON.parse(document.getElementById('data').textContent);
const svg=document.querySelector('svg.picture'),tip=document.getElementById('tip');
const details=document.getElementById('details');
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;',
 '"':'&quot;'}[c]));}
function card(id){const n=data.nodes[id];return '<b>'+esc(n.name)+'</b> ('+esc(n.type)+
 ')<br>'+n.mentions+' mentions, '+n.count+' '+data.unit+' in this network<br>'+
 n.ties+' ties; click for its events';}
document.querySelectorAll('.node').forEach(g=>{const id=g.dataset.id;
 g.addEventListener('mousemove',e=>{tip.innerHTML=card(id);tip.style.display='block';
  tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';});
 g.addEventListener('mouseleave',()=>{tip.style.display='none';});
 g.addEventListener('click',e=>{e.stopPropagation();show(id);});});
svg.addEventListener('click',()=>{light(null);details.innerHTML=data.hint;});
function light(id){const near=new Set(id?[id,...data.nodes[id].near]:[]);
 document.querySelectorAll('.node').forEach(g=>{g.classList.toggle('dim',!!id&&!near.has(
  g.dataset.id));g.classList.toggle('lit',!!id&&near.has(g.dataset.id));});
 document.querySelectorAll('.edge').forEach(l=>{l.classList.toggle('dim',!!id&&
  l.dataset.a!==id&&l.dataset.b!==id);});}
function show(id){light(id);const n=data.nodes[id];let h='<h2>'+esc(n.name)+'</h2><div>'+
 esc(n.type)+' · '+n.mentions+' mentions · '+n.count+' '+data.unit+'</div>';
 if(n.top.length){h+='<p><b>Strongest ties</b><br>'+n.top.map(t=>esc(t[0])+' ('+t[1]+')')
  .join(', ')+'</p>';}
 const ev=data.events[id]||[];h+='<p><b>'+(ev.length?'Its events'+(ev.length>=data.most?
  ' (the newest '+data.most+')':''):'No events in this selection')+'</b></p><ol>';
 for(const e of ev){h+='<li><div class="when">'+esc(e.date||'undated')+' · '+esc(e.type)+
  (e.mode?'/'+esc(e.mode):'')+' · '+esc(e.doc)+'</div>'+esc(e.sentence)+'</li>';}
 details.innerHTML=h+'</ol>';}
let box=[0,0,%(w)d,%(h)d],drag=null;
function setBox(){svg.setAttribute('viewBox',box.join(' '));}
svg.addEventListener('wheel',e=>{e.preventDefault();const r=svg.getBoundingClientRect();
 const f=e.deltaY>0?1.15:1/1.15,mx=box[0]+(e.clientX-r.left)/r.width*box[2],
 my=box[1]+(e.clientY-r.top)/r.height*box[3];
 box=[mx-(mx-box[0])*f,my-(my-box[1])*f,box[2]*f,box[3]*f];setBox();},{passive:false});
svg.addEventListener('mousedown',e=>{drag=[e.clientX,e.clientY];});
window.addEventListener('mouseup',()=>{drag=null;});
window.addEventListener('mousemove',e=>{if(!drag)return;const r=svg.getBoundingClientRect();
 box[0]-=(e.clientX-drag[0])/r.width*box[2];box[1]-=(e.clientY-drag[1])/r.height*box[3];
 drag=[e.clientX,e.clientY];setBox();});
details.innerHTML=data.hint;
"""

_TREND_SCRIPT = """
const tip=document.getElementById('tip');
document.querySelectorAll('[data-tip]').forEach(el=>{
 el.addEventListener('mousemove',e=>{tip.textContent=el.dataset.tip;tip.style.display='block';
  tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';});
 el.addEventListener('mouseleave',()=>{tip.style.display='none';});});
"""


def _page(title: str, subtitle: str, body: str, script: str, data: str = "") -> str:
    # "</" inside the JSON would end the script element early.
    safe = data.replace("</", "<\\/")
    data_block = f'<script type="application/json" id="data">{safe}</script>' if data else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f'<main>{body}</main><div id="tip"></div>{data_block}<script>{script}</script>'
        "</body></html>\n"
    )


def network_page(placed: Placed, title: str) -> str:
    graph = placed.graph
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def at(node_id: str) -> tuple[float, float]:
        x, y = placed.positions[node_id]
        return MARGIN + x * inner_w, MARGIN + (1 - y) * inner_h

    heaviest = max((e.weight for e in graph.edges), default=1)
    most = max((n.mentions for n in graph.nodes), default=1)
    parts = [
        f'<svg class="picture" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(title)}">'
    ]
    names = {n.id: n.name for n in graph.nodes}
    for e in graph.edges:
        (x1, y1), (x2, y2) = at(e.source), at(e.target)
        tip = f"{names[e.source]} — {names[e.target]}: {e.weight} {graph.by}"
        parts.append(
            f'<line class="edge" data-a="{escape(e.source)}" data-b="{escape(e.target)}"'
            f' x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#8a8a8a"'
            f' stroke-opacity=".55" stroke-width="{edge_width(e.weight, heaviest, 1, 9):.1f}">'
            f"<title>{escape(tip)}</title></line>"
        )
    # The most mentioned are drawn last, on top; their names always show.
    for rank, n in reversed(list(enumerate(graph.nodes))):
        x, y = at(n.id)
        r = node_radius(n.mentions, most, 5, 26 if len(graph.nodes) <= 60 else 18)
        quiet = " quiet" if rank >= MOST_LABELLED else ""
        lines = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>'
            for i, line in enumerate(name_lines(n.name, 26))
        )
        parts.append(
            f'<g class="node{quiet}" data-id="{escape(n.id)}"><circle cx="{x:.1f}" cy="{y:.1f}"'
            f' r="{r:.1f}" fill="{TYPE_COLOURS[n.label]}" stroke="#fff" stroke-width="1.5"/>'
            f'<text x="{x:.1f}" y="{y + r + 13:.1f}" text-anchor="middle">{lines}</text>'
            f"<title>{escape(n.name)}</title></g>"
        )
    parts.append("</svg>")
    present = [t for t in TYPE_COLOURS if any(n.label == t for n in graph.nodes)]
    legend = "".join(
        f'<div><span class="dot" style="background:{TYPE_COLOURS[t]}"></span>{TYPE_NAMES[t]}</div>'
        for t in present
    )
    legend += (
        "<div>size: mentions in the index</div>"
        f"<div>line width: shared {escape(graph.by)}</div>"
        "<div>wheel: zoom · drag: move</div>"
    )
    parts.append(f'<aside><div class="legend">{legend}</div><div id="details"></div></aside>')
    near: dict[str, list[tuple[str, int]]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:  # strongest first
        near[e.source].append((names[e.target], e.weight))
        near[e.target].append((names[e.source], e.weight))
    ties: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        ties[e.source].append(e.target)
        ties[e.target].append(e.source)
    data = {
        "unit": graph.by,
        "most": 20,
        "hint": "<p>Hover over an entity for its counts; click it for its events.</p>",
        "nodes": {
            n.id: {
                "name": n.name,
                "type": TYPE_NAMES[n.label],
                "mentions": n.mentions,
                "count": n.count,
                "ties": len(ties[n.id]),
                "near": ties[n.id],
                "top": near[n.id][:8],
            }
            for n in graph.nodes
        },
        "events": {
            key: [
                {
                    "date": e.date,
                    "type": e.event_type,
                    "mode": e.mode,
                    "doc": e.doc,
                    "sentence": e.sentence,
                }
                for e in found
            ]
            for key, found in graph.events.items()
            if key in names
        },
    }
    subtitle = f"{len(graph.nodes)} entities, {len(graph.edges)} ties"
    if placed.left_out:
        subtitle += f" ({placed.left_out} smaller entities left out; the graph files hold all)"
    script = _NETWORK_SCRIPT % {"w": WIDTH, "h": HEIGHT}
    return _page(title, subtitle, "".join(parts), script, json.dumps(data, ensure_ascii=False))


def trend_page(trend: Trend) -> str:
    left, right, top, bottom = 70, 20, 20, 70
    inner_w, inner_h = WIDTH - left - right, 460 - top - bottom
    height = 460
    highest = max((max(s.counts, default=0) for s in trend.series), default=0) or 1
    step = max(1, -(-highest // 6))
    ticks = list(range(0, highest + step, step))
    top_value = ticks[-1]
    slots = max(len(trend.periods), 1)
    slot = inner_w / slots

    def y_of(value: int) -> float:
        return top + inner_h * (1 - value / top_value)

    parts = [
        f'<svg class="picture" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-label="{escape(trend.title())}">'
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y_of(tick):.1f}" y2="{y_of(tick):.1f}"'
            f' stroke="#e3e3e3"/><text x="{left - 8}" y="{y_of(tick) + 4:.1f}"'
            f' text-anchor="end" font-size="12">{tick}</text>'
        )
    label_every = max(1, -(-slots // 16))
    for i, name in enumerate(trend.periods):
        if i % label_every == 0:
            x = left + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{top + inner_h + 18}" text-anchor="end" font-size="12"'
                f' transform="rotate(-35 {x:.1f} {top + inner_h + 18})">{escape(name)}</text>'
            )
    bars = slots <= 40
    for k, series in enumerate(trend.series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        points = []
        for i, (name, count) in enumerate(zip(trend.periods, series.counts, strict=True)):
            tip = escape(f"{series.name}, {name}: {count}")
            if bars:
                width = slot * 0.8 / len(trend.series)
                x = left + slot * (i + 0.1) + width * k
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y_of(count):.1f}" width="{width:.1f}"'
                    f' height="{inner_h * count / top_value:.1f}" fill="{colour}"'
                    f' data-tip="{tip}"><title>{tip}</title></rect>'
                )
            else:
                x = left + slot * (i + 0.5)
                points.append(f"{x:.1f},{y_of(count):.1f}")
                if count:
                    parts.append(
                        f'<circle class="point" cx="{x:.1f}" cy="{y_of(count):.1f}" r="4"'
                        f' fill="{colour}" data-tip="{tip}"><title>{tip}</title></circle>'
                    )
        if points:
            parts.insert(
                1,
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
                f' points="{" ".join(points)}"/>',
            )
    counted = {"mentions": "Mentions", "events": "Events", "paragraphs": "Paragraphs"}
    parts.append(
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{top + inner_h}" y2="{top + inner_h}"'
        f' stroke="#555"/><text x="16" y="{top + inner_h / 2:.0f}" font-size="13"'
        f' text-anchor="middle" transform="rotate(-90 16 {top + inner_h / 2:.0f})">'
        f"{counted[trend.what]} per {trend.by}</text>"
        f'<text x="{left + inner_w / 2:.0f}" y="{height - 6}" font-size="13"'
        f' text-anchor="middle">{trend.by.capitalize()}, {escape(trend.dated_by())}</text></svg>'
    )
    legend = "".join(
        f'<div><span class="swatch" style="background:{SERIES_COLOURS[k % len(SERIES_COLOURS)]}">'
        f"</span>{escape(s.name)}: {sum(s.counts)}"
        + (f" (+{s.unplaced} with a date too coarse for a {trend.by})" if s.unplaced else "")
        + "</div>"
        for k, s in enumerate(trend.series)
    )
    body = "".join(parts) + f'<aside><div class="legend">{legend}</div></aside>'
    return _page(trend.title(), "Hover over a bar or point for its count.", body, _TREND_SCRIPT)
