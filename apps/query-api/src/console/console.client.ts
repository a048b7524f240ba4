// The operations console's browser code (served as /console/console.js). Plain ES2017 in a string:
// the query API ships as one bundle (dist/), so the page travels inside it — no static files to copy,
// no build step for the browser. No backticks, `${` or backslashes in here (it is a template literal).
export const CONSOLE_SCRIPT = `(function () {
  'use strict';
  var TOKEN_KEY = 'es-console-admin-token';
  var $ = function (selector) { return document.querySelector(selector); };

  /** Builds DOM nodes; every text goes through textContent, never HTML (payloads are user data). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function json(value) { return el('pre', { class: 'json', text: JSON.stringify(value, null, 2) }); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function showTokenState() {
    $('#token-state').textContent = token() ? 'admin token set for this tab' : 'no admin token: rebuild, dead letters, retry and skip need it';
    $('#token-state').className = token() ? 'ok' : 'muted';
  }

  function say(message, isError) {
    var node = $('#message');
    node.textContent = message;
    node.className = isError ? 'error' : 'ok';
  }

  /** Same-origin JSON call; the admin token goes in the Authorization header only, never in a URL. */
  function api(method, path, admin) {
    var headers = { accept: 'application/json' };
    if (admin) {
      if (!token()) return Promise.reject(new Error('enter the admin token first'));
      headers.authorization = 'Bearer ' + token();
    }
    return fetch(path, { method: method, headers: headers }).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!res.ok) {
          var error = new Error((body && (body.detail || body.title)) || ('HTTP ' + res.status));
          error.status = res.status;
          throw error;
        }
        return body;
      });
    });
  }

  // ---- projections -------------------------------------------------------------------------
  function renderProjections(list) {
    var rows = clear($('#projection-rows'));
    list.forEach(function (p) {
      var partitions = p.partitions.map(function (x) { return 'p' + x.partition + ': ' + x.lag; }).join('  ');
      var progress = el('td', { class: 'rebuild' });
      if (p.rebuild) {
        var total = Math.max(1, p.rebuild.total);
        progress.appendChild(el('progress', { max: String(total), value: String(p.rebuild.processed), 'data-testid': 'rebuild-progress' }));
        progress.appendChild(el('span', { text: ' v' + p.rebuild.targetVersion + ' ' + p.rebuild.processed + ' / ' + p.rebuild.total }));
      }
      var button = el('button', { type: 'button', 'data-action': 'rebuild', text: 'Rebuild', onclick: function () { rebuild(p.name); } });
      if (p.rebuild) button.setAttribute('disabled', '');
      rows.appendChild(el('tr', { 'data-projection': p.name }, [
        el('td', { text: p.name }),
        el('td', { class: 'num', 'data-field': 'version', text: 'v' + p.activeVersion }),
        el('td', { 'data-field': 'status', class: 'status ' + p.status, text: p.status }),
        el('td', { class: 'num', 'data-field': 'lag', text: String(p.lag) }),
        el('td', { class: 'partitions', text: partitions }),
        progress,
        el('td', { class: 'num', text: String(p.deadLetters.length) }),
        el('td', {}, [button]),
      ]));
    });
  }
  function loadProjections() {
    return api('GET', '/projections').then(renderProjections).catch(function (e) { say('projections: ' + e.message, true); });
  }
  function rebuild(name) {
    api('POST', '/projections/' + encodeURIComponent(name) + '/rebuild', true)
      .then(function (r) { say('rebuild of ' + r.name + ' to v' + r.targetVersion + ' started'); loadProjections(); })
      .catch(function (e) { say('rebuild: ' + e.message, true); });
  }

  // ---- dead letters ------------------------------------------------------------------------
  function renderDeadLetters(list) {
    var node = clear($('#dead-letter-list'));
    if (list.length === 0) node.appendChild(el('p', { class: 'muted', text: 'No dead letters.' }));
    list.slice().reverse().forEach(function (d) {
      var actions = el('div', { class: 'actions' });
      if (d.status === 'PENDING') {
        actions.appendChild(el('button', { type: 'button', 'data-action': 'retry', text: 'Retry', onclick: function () { answer(d.id, 'retry'); } }));
        actions.appendChild(el('button', { type: 'button', 'data-action': 'skip', text: 'Skip', onclick: function () { answer(d.id, 'skip'); } }));
      }
      var where = (d.projection || d.source || '') + (d.version ? ' v' + d.version : '') + ' · ' + d.topic + '[' + d.partition + ']@' + d.offset;
      node.appendChild(el('article', { class: 'dead-letter', 'data-dead-letter': String(d.id) }, [
        el('header', {}, [
          el('strong', { text: '#' + d.id + ' ' + (d.eventType || '(undecodable)') }),
          el('span', { class: 'status ' + d.status, 'data-field': 'status', text: d.status }),
          el('span', { class: 'muted', text: where }),
        ]),
        el('p', { class: 'error', text: d.error }),
        el('details', {}, [el('summary', { text: 'payload' }), json(d.payload)]),
        actions,
      ]));
    });
  }
  function loadDeadLetters() {
    if (!token()) {
      clear($('#dead-letter-list')).appendChild(el('p', { class: 'muted', text: 'Enter the admin token to see dead letters.' }));
      return Promise.resolve();
    }
    return api('GET', '/projections/dead-letters', true).then(renderDeadLetters).catch(function (e) { say('dead letters: ' + e.message, true); });
  }
  function answer(id, action) {
    api('POST', '/projections/dead-letters/' + id + '/' + action, true)
      .then(function (d) { say('dead letter #' + d.id + ' is ' + d.status); loadDeadLetters(); loadProjections(); })
      .catch(function (e) { say(action + ': ' + e.message, true); });
  }

  // ---- aggregate timeline ------------------------------------------------------------------
  function showAggregate(context, id) {
    var node = clear($('#timeline'));
    var base = '/streams/' + encodeURIComponent(context) + '/' + encodeURIComponent(id);
    node.appendChild(el('p', { class: 'muted', text: 'Loading…' }));
    return api('GET', base + '/events?limit=1000').then(function (page) {
      clear(node);
      node.appendChild(el('h3', { text: context + ' / ' + id + ': ' + page.items.length + ' event(s)' + (page.nextCursor ? ' (first 1000)' : '') }));
      var list = el('ol', { class: 'timeline' });
      node.appendChild(list);
      page.items.forEach(function (e) {
        var state = el('div', { class: 'state', 'data-state-version': String(e.version) }, [el('span', { class: 'muted', text: 'state…' })]);
        list.appendChild(el('li', { 'data-event-type': e.type, 'data-version': String(e.version) }, [
          el('div', { class: 'event-head' }, [
            el('strong', { text: 'v' + e.version + ' ' + e.type }),
            el('span', { class: 'muted', text: ' ' + e.occurredAt + ' · schema v' + e.schemaVersion + ' · ' + e.topic + '[' + e.partition + ']@' + e.offset }),
            el('button', { type: 'button', class: 'link', 'data-action': 'follow', title: 'follow this correlation id', text: 'correlation ' + e.correlationId.slice(0, 8) + '…',
              onclick: function () { $('#correlation-id').value = e.correlationId; followCorrelation(e.correlationId); } }),
          ]),
          el('div', { class: 'columns' }, [
            el('div', {}, [el('div', { class: 'label', text: 'payload' }), json(e.payload)]),
            el('div', {}, [el('div', { class: 'label', text: 'state after v' + e.version }), state]),
          ]),
        ]));
      });
      // The state after each event, folded by the server with the domain's own evolve.
      return page.items.reduce(function (chain, e) {
        return chain.then(function () {
          return api('GET', base + '/state?version=' + e.version).then(function (s) {
            clear(list.querySelector('[data-state-version="' + e.version + '"]')).appendChild(json(s.state));
          });
        });
      }, Promise.resolve());
    }).catch(function (e) {
      clear(node).appendChild(el('p', { class: 'error', text: e.status === 404 ? 'Not found: ' + e.message : e.message }));
    });
  }

  // ---- correlation -------------------------------------------------------------------------
  function followCorrelation(id) {
    var node = clear($('#trace'));
    return api('GET', '/correlations/' + encodeURIComponent(id)).then(function (trace) {
      node.appendChild(
        el('h3', {
          text:
            'correlation ' + trace.correlationId + ': ' + trace.commands.length + ' command(s), ' + trace.events.length + ' event(s)' +
            (trace.truncated ? ' — truncated: more events carry this id than a trace lists' : ''),
        }),
      );
      var table = el('table', {}, [el('thead', {}, [el('tr', {}, ['command', 'aggregate', 'outcome', 'versions', 'events'].map(function (h) { return el('th', { text: h }); }))])]);
      var body = el('tbody');
      trace.commands.forEach(function (c) {
        body.appendChild(el('tr', { 'data-command': c.commandId }, [
          el('td', { text: c.commandId.slice(0, 8) + '…' }),
          el('td', {}, [el('button', { type: 'button', class: 'link', text: c.context + ' / ' + c.aggregateId, onclick: function () {
            $('#aggregate-context').value = c.context; $('#aggregate-id').value = c.aggregateId; showAggregate(c.context, c.aggregateId);
          } })]),
          el('td', { text: c.outcome }),
          el('td', { text: c.fromVersion + '–' + c.toVersion }),
          el('td', { text: c.eventTypes.join(', ') }),
        ]));
      });
      table.appendChild(body);
      node.appendChild(table);
      var list = el('ol', { class: 'trace' });
      trace.events.forEach(function (e) {
        list.appendChild(el('li', { 'data-event-type': e.type }, [
          el('strong', { text: e.type }),
          el('span', { class: 'muted', text: ' ' + e.context + ' / ' + e.aggregateId + ' v' + e.version + ' · ' + e.occurredAt + (e.causationId ? ' · caused by ' + e.causationId.slice(0, 8) + '…' : '') }),
        ]));
      });
      node.appendChild(list);
    }).catch(function (e) {
      node.appendChild(el('p', { class: 'error', text: e.status === 404 ? 'Not found: ' + e.message : e.message }));
    });
  }

  // ---- rates -------------------------------------------------------------------------------
  function renderRates(r) {
    var svg = $('#rates-chart');
    var width = 600, height = 120;
    var max = Math.max(1, Math.max.apply(null, r.buckets.map(function (b) { return Math.max(b.events, b.commands); })));
    var line = function (key) {
      return r.buckets.map(function (b, i) {
        var x = r.buckets.length > 1 ? (i * width) / (r.buckets.length - 1) : 0;
        var y = height - (b[key] / max) * (height - 10) - 5;
        return x.toFixed(1) + ',' + y.toFixed(1);
      }).join(' ');
    };
    svg.querySelector('.events').setAttribute('points', line('events'));
    svg.querySelector('.commands').setAttribute('points', line('commands'));
    var per = function (key) { return r.buckets.reduce(function (s, b) { return s + b[key]; }, 0) / (r.minutes * 60); };
    var last = r.buckets[r.buckets.length - 1] || { events: 0, commands: 0 };
    $('#rates-text').textContent = 'last ' + r.minutes + ' min: ' + per('commands').toFixed(2) + ' commands/s, ' + per('events').toFixed(2) +
      ' events/s · current ' + r.bucketSeconds + ' s bucket: ' + last.commands + ' commands, ' + last.events + ' events · peak ' + max + ' per bucket';
  }
  function loadRates() {
    return api('GET', '/rates?minutes=5&bucketSeconds=10').then(renderRates).catch(function (e) { $('#rates-text').textContent = 'rates: ' + e.message; });
  }

  // ---- wiring ------------------------------------------------------------------------------
  $('#token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('#token-input').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $('#token-input').value = '';
    showTokenState();
    loadDeadLetters();
  });
  $('#token-forget').addEventListener('click', function () { sessionStorage.removeItem(TOKEN_KEY); showTokenState(); loadDeadLetters(); });
  $('#aggregate-form').addEventListener('submit', function (event) {
    event.preventDefault();
    showAggregate($('#aggregate-context').value, $('#aggregate-id').value.trim());
  });
  $('#correlation-form').addEventListener('submit', function (event) {
    event.preventDefault();
    followCorrelation($('#correlation-id').value.trim());
  });
  $('#dead-letters-refresh').addEventListener('click', loadDeadLetters);

  showTokenState();
  var tick = 0;
  function poll() {
    if (!document.hidden) {
      loadProjections();
      if (tick % 3 === 0) loadDeadLetters();
      if (tick % 5 === 0) loadRates();
      tick += 1;
    }
    setTimeout(poll, 1000);
  }
  poll();
})();
`;
