/** The operations console's page (GET /console): markup and style; the behaviour is console.client.ts. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Operations console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<header class="top">
  <h1>Operations console</h1>
  <form id="token-form" autocomplete="off">
    <label>Admin token <input id="token-input" type="password" placeholder="ADMIN_TOKEN"></label>
    <button type="submit">Use</button>
    <button type="button" id="token-forget">Forget</button>
    <span id="token-state"></span>
  </form>
</header>
<p id="message" role="status"></p>
<main>
  <section id="projections">
    <h2>Projections</h2>
    <table>
      <thead><tr><th>projection</th><th>version</th><th>status</th><th>lag</th><th>lag per partition</th><th>rebuild</th><th>dead letters</th><th></th></tr></thead>
      <tbody id="projection-rows"></tbody>
    </table>
  </section>
  <section id="rates">
    <h2>Rates (accepted commands, events)</h2>
    <svg id="rates-chart" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="commands and events per 10 s over the last 5 minutes">
      <polyline class="events" points=""></polyline>
      <polyline class="commands" points=""></polyline>
    </svg>
    <p><span class="legend events">events</span> <span class="legend commands">commands</span> <span id="rates-text" class="muted"></span></p>
  </section>
  <section id="aggregate">
    <h2>Aggregate</h2>
    <form id="aggregate-form">
      <select id="aggregate-context"><option value="orders">orders</option><option value="inventory">inventory</option></select>
      <input id="aggregate-id" placeholder="order id or sku" required maxlength="200">
      <button type="submit">Show timeline</button>
    </form>
    <div id="timeline"></div>
  </section>
  <section id="correlation">
    <h2>Correlation</h2>
    <form id="correlation-form">
      <input id="correlation-id" placeholder="correlation id (X-Correlation-Id)" required maxlength="200">
      <button type="submit">Follow</button>
    </form>
    <div id="trace"></div>
  </section>
  <section id="dead-letters">
    <h2>Dead letters <button type="button" id="dead-letters-refresh">Refresh</button></h2>
    <div id="dead-letter-list"></div>
  </section>
</main>
<script src="/console/console.js"></script>
</body>
</html>
`;

export const CONSOLE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f5f6f8; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1rem; background: #1d232a; color: #fff; }
.top h1 { font-size: 1.1rem; margin: 0; }
.top input { width: 14rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(36rem, 1fr)); gap: 1rem; padding: 1rem; }
section { background: #fff; border-radius: 6px; padding: .5rem 1rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow: auto; }
#projections { grid-column: 1 / -1; }
h2 { font-size: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.partitions { font-family: ui-monospace, monospace; font-size: 12px; }
progress { width: 10rem; }
.status { font-weight: 600; }
.RUNNING, .RESOLVED, .ok { color: #1a7f37; }
.REBUILDING, .RETRYING { color: #9a6700; }
.STOPPED, .DOWN, .PENDING, .error { color: #cf222e; }
.NOT_STARTED, .SKIPPED, .muted { color: #6e7781; }
#message { margin: .5rem 1rem 0; min-height: 1.2em; }
pre.json { margin: 0; max-height: 16rem; overflow: auto; background: #f6f8fa; padding: .4rem; font-size: 12px; }
ol.timeline > li, ol.trace > li { margin-bottom: .6rem; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; }
.columns > div { min-width: 0; }
main > section { min-width: 0; }
.label { font-size: 12px; color: #6e7781; }
button.link { background: none; border: 0; color: #0969da; cursor: pointer; padding: 0 .3rem; }
.dead-letter { border-top: 1px solid #e3e6ea; padding: .4rem 0; }
.dead-letter header { display: flex; gap: .8rem; flex-wrap: wrap; }
#rates-chart { width: 100%; height: 120px; background: #f6f8fa; }
polyline { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
polyline.events, .legend.events { stroke: #0969da; color: #0969da; }
polyline.commands, .legend.commands { stroke: #bf3989; color: #bf3989; }
`;
