// Pushy admin dashboard: polls the admin API once a second and draws what it gets; the debug
// console is a client of this Pushy through the browser client it serves (/pushy/client.js).
// Everything shown is inserted as text, never as markup, because channel names and event data
// come from outside.
'use strict';

(() => {
  const API = '/pushy/admin/api';
  const REFRESH_MS = 1000;
  const CHART_WINDOW_MS = 5 * 60 * 1000;
  const CHART_HEIGHT = 170;
  const LOG_LIMIT = 200;
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const state = {
    sockjsPrefix: '/pushy/socket',
    samples: [],
    lastSampleAt: 0,
    selectedChannel: undefined,
    filter: '',
    /** Channel table rows by channel name, kept across refreshes (so focus stays put). */
    channelRows: new Map(),
  };

  /** Calls the admin API; the browser sends the admin credential it logged in with. */
  async function api(path, init = {}) {
    const headers = { Accept: 'application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(API + path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
    const text = await response.text();
    const body = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const error = new Error(body.error ? `${body.error.code} ${body.error.message}` : `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatCount(n) {
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
  }

  function formatUptime(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    return `${m}m ${seconds % 60}s`;
  }

  /** Each Redis shard's state, one per line, for the broker pill's tooltip (empty with one Redis). */
  function describeShards(broker) {
    return (broker.shards ?? []).map((s) => `${s.shard}: ${s.state}`).join('\n');
  }

  function describeCounts(counts) {
    const parts = Object.entries(counts).filter(([, n]) => n > 0);
    return parts.map(([name, n]) => `${name} ${formatCount(n)}`).join(' · ');
  }

  function setStatus(text, kind) {
    const status = $('status');
    status.textContent = text;
    status.className = `status ${kind}`;
  }

  // ---- totals and charts: the whole cluster -----------------------------------------------

  async function refreshStats() {
    const stats = await api(`/stats?since=${state.lastSampleAt}`);
    const { node, cluster } = stats;
    state.sockjsPrefix = stats.sockjsPrefix;
    $('node-id').textContent = node.nodeId.slice(0, 8);
    $('node-id').title = node.nodeId;
    $('uptime').textContent = formatUptime(node.uptime);
    const broker = $('broker-state');
    broker.textContent = node.broker.state;
    broker.className = `pill ${node.broker.ready ? 'ready' : 'down'}`;
    broker.title = describeShards(node.broker);

    $('totals-scope').textContent = describeScope(cluster);
    $('total-connections').textContent = formatCount(cluster.connections);
    $('by-transport').textContent = describeCounts(cluster.byTransport);
    $('total-channels').textContent = formatCount(cluster.channels.total);
    $('by-kind').textContent = describeCounts(cluster.channels.byKind);
    $('total-subscriptions').textContent = formatCount(cluster.subscriptions);
    $('total-members').textContent = formatCount(cluster.presenceMembers);
    $('events-total').textContent = formatCount(cluster.events.triggered);
    $('delivered-total').textContent = `${formatCount(cluster.events.delivered)} delivered`;

    state.samples.push(...stats.history);
    if (stats.history.length > 0) state.lastSampleAt = stats.history[stats.history.length - 1].t;
    const cutoff = Date.now() - CHART_WINDOW_MS - 60000;
    while (state.samples.length > 0 && state.samples[0].t < cutoff) state.samples.shift();
    const latest = state.samples[state.samples.length - 1];
    $('events-rate').textContent = latest ? formatCount(latest.triggeredPerSec) : '0';
    $('delivered-rate').textContent = latest ? `${formatCount(latest.deliveredPerSec)} delivered / s` : '';
    drawCharts();
  }

  /** Says what the tiles count: every node, or (Redis away) this one alone. */
  function describeScope(cluster) {
    if (cluster.adapter === 'memory') return '(this server: memory adapter, one node)';
    if (cluster.redis === 'down') return '(this node only: Redis is unreachable)';
    const nodes = `${cluster.nodes} node${cluster.nodes === 1 ? '' : 's'}`;
    return `(whole cluster, ${nodes}; each node's share is in the Nodes table)`;
  }

  /** The smallest "round" number at or above `value` (1, 2, 2.5, 5 times a power of ten). */
  function niceMax(value) {
    if (value <= 1) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function drawCharts() {
    const end = state.samples.length > 0 ? state.samples[state.samples.length - 1].t : Date.now();
    const shown = state.samples.filter((s) => s.t >= end - CHART_WINDOW_MS);
    const latest = shown[shown.length - 1];
    drawChart($('chart-connections'), shown, end, 'connections', (s) => s.connections);
    drawChart($('chart-events'), shown, end, 'events', (s) => s.triggeredPerSec);
    $('chart-now-connections').textContent = latest ? `now ${formatCount(latest.connections)}` : '';
    $('chart-now-events').textContent = latest ? `now ${formatCount(latest.triggeredPerSec)}` : '';
  }

  /** One series on its own plot: y axis with labelled ticks from 0 to a round maximum, time on x. */
  function drawChart(box, samples, end, series, read) {
    // Drawn at the element's own size, so lines and labels are never stretched.
    const width = Math.max(200, Math.round(box.clientWidth || 600));
    const height = CHART_HEIGHT;
    const max = niceMax(Math.max(0, ...samples.map(read)));
    // Labelled at 0, half and the top (round numbers for every nice maximum); unlabelled grid between.
    const ticks = [0, max / 2, max];
    const grid = [max / 4, (3 * max) / 4];
    const labels = ticks.map(formatCount);
    const left = 10 + 7 * Math.max(...labels.map((label) => label.length));
    const top = 8;
    const bottom = height - 20;
    const start = end - CHART_WINDOW_MS;
    const x = (t) => (left + ((t - start) / CHART_WINDOW_MS) * (width - left - 6)).toFixed(1);
    const y = (value) => (bottom - (value / max) * (bottom - top)).toFixed(1);
    box.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const yAxis = svg('g', { class: 'y-axis' });
    for (const value of grid) yAxis.append(svg('line', { class: 'grid', x1: left, x2: width - 6, y1: y(value), y2: y(value) }));
    ticks.forEach((tick, i) => {
      yAxis.append(
        svg('line', { class: 'grid', x1: left, x2: width - 6, y1: y(tick), y2: y(tick) }),
        svg('text', { class: 'axis-label y-label', x: left - 5, y: Number(y(tick)) + 4, 'text-anchor': 'end' }, labels[i]),
      );
    });
    const xAxis = svg('g', { class: 'x-axis' });
    xAxis.append(svg('line', { class: 'axis', x1: left, x2: width - 6, y1: bottom, y2: bottom }));
    for (const [text, anchor, at] of [['5 min ago', 'start', left], ['now', 'end', width - 6]]) {
      xAxis.append(svg('text', { class: 'axis-label x-label', x: at, y: height - 5, 'text-anchor': anchor }, text));
    }
    const line = svg('polyline', { class: `line ${series}`, points: samples.map((s) => `${x(s.t)},${y(read(s))}`).join(' ') });
    box.replaceChildren(yAxis, xAxis, line);
  }

  // ---- nodes: one row each ------------------------------------------------------------------

  /** A table cell that names its column, for the stacked layout of narrow screens. */
  function cell(label, className, text) {
    const td = el('td', className, text);
    td.dataset.label = label;
    return td;
  }

  /** One row per live node: this one (bold) first, then its peers as they last reported. */
  async function refreshNodes() {
    const list = await api('/nodes');
    $('node-count').textContent = `(${list.nodes.length})`;
    const redis = $('cluster-redis');
    redis.hidden = list.adapter !== 'redis';
    redis.textContent = `redis ${list.redis}`;
    redis.className = `pill ${list.redis === 'up' ? 'ready' : 'down'}`;
    if (list.adapter === 'memory') $('nodes-note').textContent = 'Memory adapter: this process is the only node.';
    else if (list.redis === 'down') $('nodes-note').textContent = 'Redis is unreachable: only this node is shown.';
    else $('nodes-note').textContent = '';
    const rows = list.nodes.map((node) => {
      const tr = el('tr', node.self ? 'self' : '');
      tr.dataset.node = node.nodeId;
      const id = cell('Node');
      // One value element per cell: the stacked layout puts it opposite the column name.
      const name = el('span');
      const code = el('code', '', node.nodeId.slice(0, 8));
      code.title = node.nodeId;
      name.append(code);
      if (node.self) name.append(el('span', 'muted', ' (this node)'));
      id.append(name);
      const broker = cell('Broker');
      const pill = el('span', `pill ${node.broker.ready ? 'ready' : 'down'}`, node.broker.state);
      pill.title = describeShards(node.broker);
      broker.append(pill);
      const age = Math.max(0, Math.round((Date.now() - node.updatedAt) / 1000));
      tr.append(
        id,
        cell('Host', '', `${node.host} · pid ${node.pid}`),
        broker,
        cell('Connections', 'num connections', formatCount(node.connections.total)),
        cell('Transports', 'muted', describeCounts(node.connections.byTransport)),
        cell('Subscriptions', 'num', formatCount(node.subscriptions)),
        cell('Channels', 'num', formatCount(node.channels.total)),
        cell('Events', 'num', formatCount(node.events.triggered)),
        cell('Up', 'num', formatUptime(node.uptime)),
        cell('Updated', 'num muted', node.self ? 'now' : `${age}s ago`),
      );
      return tr;
    });
    $('nodes').tBodies[0].replaceChildren(...rows);
  }

  // ---- apps: the store's list, with this node's counts ------------------------------------------

  async function refreshApps() {
    const list = await api('/apps');
    $('app-count').textContent = `(${list.apps.length})`;
    $('apps-store').textContent = `${list.store} store${list.writable ? '' : ', read-only'}`;
    const rows = list.apps.map((app) => {
      const tr = el('tr');
      tr.dataset.app = app.id;
      const state = cell('State');
      state.append(el('span', `pill ${app.enabled ? 'ready' : 'down'}`, app.enabled ? 'enabled' : 'disabled'));
      tr.append(
        cell('App', '', app.id),
        cell('Name', '', app.name),
        state,
        cell('Keys', 'muted', app.keys.map((pair) => pair.key + (pair.expiresAt ? ` (until ${pair.expiresAt})` : '')).join(', ')),
        cell('Connections', 'num', formatCount(app.connections)),
        cell('Messages', 'num', formatCount(app.messages)),
      );
      return tr;
    });
    $('apps').tBodies[0].replaceChildren(...rows);
  }

  // ---- channels and members: the whole cluster ----------------------------------------------

  /** `#channel=<name>` opens a channel's members: a real link, so keyboards and history work. */
  function channelHref(name) {
    return `#channel=${encodeURIComponent(name)}`;
  }

  function channelFromHash() {
    const match = /^#channel=(.+)$/.exec(location.hash);
    if (!match) return undefined;
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return undefined;
    }
  }

  function channelRow(name) {
    let row = state.channelRows.get(name);
    if (!row) {
      row = el('tr');
      row.dataset.channel = name;
      const link = el('a', '', name);
      link.href = channelHref(name);
      link.dataset.channel = name;
      // The hash changes (and hashchange selects) unless it already names this channel.
      link.addEventListener('click', () => {
        if (location.hash === link.getAttribute('href')) selectChannel(name);
      });
      const first = el('td');
      first.append(link);
      row.append(first, el('td', 'kind'), el('td', 'num subscribers'), el('td', 'num members'));
      state.channelRows.set(name, row);
    }
    return row;
  }

  async function refreshChannels() {
    const query = state.filter ? `?prefix=${encodeURIComponent(state.filter)}` : '';
    const list = await api(`/channels${query}`);
    $('channel-count').textContent = list.total > list.channels.length ? `(${list.channels.length} of ${list.total})` : `(${list.total})`;
    $('no-channels').hidden = list.channels.length > 0;
    const rows = list.channels.map((channel) => {
      const row = channelRow(channel.name);
      const selected = channel.name === state.selectedChannel;
      row.classList.toggle('selected', selected);
      const link = row.cells[0].firstChild;
      if (selected) link.setAttribute('aria-current', 'true');
      else link.removeAttribute('aria-current');
      row.cells[1].textContent = channel.kind;
      row.cells[2].textContent = formatCount(channel.subscribers);
      row.cells[3].textContent = channel.members === undefined ? '' : formatCount(channel.members);
      return row;
    });
    const shown = new Set(list.channels.map((channel) => channel.name));
    for (const name of state.channelRows.keys()) if (!shown.has(name)) state.channelRows.delete(name);
    const body = document.querySelector('#channels tbody');
    // Rows are moved only when the order changed; the link that had focus gets it back.
    if (rows.length !== body.rows.length || rows.some((row, i) => body.rows[i] !== row)) {
      const focused = document.activeElement?.closest?.('#channels') ? document.activeElement.dataset.channel : undefined;
      body.replaceChildren(...rows);
      if (focused !== undefined) state.channelRows.get(focused)?.cells[0].firstChild.focus();
    }
    if (state.selectedChannel) await refreshMembers();
  }

  function selectChannel(name) {
    state.selectedChannel = name;
    $('trigger-channel').value = name;
    $('console-channel').value = name;
    for (const [rowName, row] of state.channelRows) {
      row.classList.toggle('selected', rowName === name);
      if (rowName === name) row.cells[0].firstChild.setAttribute('aria-current', 'true');
      else row.cells[0].firstChild.removeAttribute('aria-current');
    }
    refreshMembers().catch(showError);
  }

  async function refreshMembers() {
    const name = state.selectedChannel;
    const box = $('members');
    let detail;
    try {
      detail = await api(`/channels/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error.status !== 404 && error.status !== 400) throw error;
      // The channel emptied since it was picked (or the link was mistyped): stop showing it.
      if (state.selectedChannel === name) state.selectedChannel = undefined;
      box.hidden = true;
      return;
    }
    if (state.selectedChannel !== name) return;
    box.hidden = false;
    $('members-channel').textContent = detail.name;
    $('members-subscribers').textContent = `(${formatCount(detail.subscribers)} subscriber${detail.subscribers === 1 ? '' : 's'} on all nodes)`;
    const items = detail.members.map((member) => {
      const { memberId, subscribed, idle, ...data } = member;
      const item = el('li');
      item.append(el('strong', '', data.id ?? memberId), el('span', '', ` ${JSON.stringify(data)} `), el('span', 'muted', `since ${new Date(subscribed).toLocaleTimeString()}`));
      return item;
    });
    if (items.length === 0) items.push(el('li', 'muted', detail.kind === 'public' ? 'public channel: no presence' : 'no presence members'));
    $('members-list').replaceChildren(...items);
  }

  // ---- debug console: a Pushy client of this server -----------------------------------------

  const consoleClient = {
    pushy: undefined,
    /** channel -> 'pending' | 'watching' */
    watched: new Map(),
    /** Presence data to sign per presence channel, as typed when it was watched. */
    presence: new Map(),
    /** Channels whose client events are already bound (the client keeps its channel objects). */
    bound: new Set(),
  };

  function log(kind, event, channel, data) {
    const item = el('li', kind);
    item.dataset.event = event;
    if (channel) item.dataset.channel = channel;
    item.append(el('span', 'time', new Date().toLocaleTimeString()), el('span', 'event', event));
    if (channel) item.append(el('span', 'channel', channel));
    if (data !== undefined) item.append(el('span', 'data', JSON.stringify(data)));
    const list = $('console-log');
    list.prepend(item);
    while (list.children.length > LOG_LIMIT) list.lastChild.remove();
  }

  /** The console's own client, created on first use so that merely looking adds no connection. */
  function pushyClient() {
    if (consoleClient.pushy) return consoleClient.pushy;
    const pushy = new window.Pushy(location.origin, { prefix: state.sockjsPrefix, authorizer: signForConsole });
    pushy.bind('state', (change) => {
      const pill = $('console-state');
      pill.textContent = change.current;
      pill.className = `pill ${change.current === 'connected' ? 'ready' : change.current === 'connecting' ? '' : 'down'}`;
    });
    pushy.bind('connect', (info) => log('system', 'connected', undefined, { socketId: info.socketId, transport: info.protocol }));
    pushy.bind('disconnect', (info) => {
      log('system', 'disconnected', undefined, info);
      // The client resubscribes by itself once it is back.
      for (const channel of consoleClient.watched.keys()) consoleClient.watched.set(channel, 'pending');
      renderWatched();
    });
    pushy.bind('error', (data) => log('system', 'error', undefined, data));
    pushy.bind('message', (frame) => {
      // Events on watched channels; the client handles the protocol's own frames.
      if (typeof frame.channel !== 'string' || frame.event.startsWith('pushy:') || !consoleClient.watched.has(frame.channel)) return;
      log('event', frame.event, frame.channel, frame.data);
    });
    consoleClient.pushy = pushy;
    return pushy;
  }

  /** The client's authorizer: the admin API signs, with the presence data typed for the channel. */
  async function signForConsole(channel, socketId) {
    const presence = consoleClient.presence.get(channel);
    const body = presence === undefined ? { socketId, channel } : { socketId, channel, data: presence };
    const answer = await api('/auth', { method: 'POST', body: JSON.stringify(body) });
    return presence === undefined ? { auth: answer.auth } : { auth: answer.auth, data: presence };
  }

  function bindChannel(channel) {
    const name = channel.name;
    if (consoleClient.bound.has(name)) return;
    consoleClient.bound.add(name);
    channel.bind('pushy:subscription-success', (data) => {
      if (!consoleClient.watched.has(name)) return;
      consoleClient.watched.set(name, 'watching');
      renderWatched();
      log('system', 'watching', name, data.presence ? { presence: data.presence } : undefined);
    });
    channel.bind('subscription-error', (error) => {
      consoleClient.watched.delete(name);
      renderWatched();
      log('system', 'subscription-error', name, error);
    });
    channel.bind('pushy:member-added', (member) => log('system', 'member added', name, member));
    channel.bind('pushy:member-quit', (member) => log('system', 'member quit', name, member));
  }

  function watch(rawChannel, presenceText) {
    const channel = pushyClient().channel(rawChannel.trim());
    const name = channel.name;
    if (consoleClient.watched.has(name)) return;
    if (name.startsWith('presence-')) consoleClient.presence.set(name, presenceText);
    else consoleClient.presence.delete(name);
    bindChannel(channel);
    consoleClient.watched.set(name, 'pending');
    renderWatched();
    channel.subscribe();
  }

  function stopWatching(name) {
    consoleClient.pushy?.channel(name).unsubscribe();
    consoleClient.watched.delete(name);
    renderWatched();
    log('system', 'stopped watching', name);
  }

  function renderWatched() {
    const items = [...consoleClient.watched].map(([channel, status]) => {
      const item = el('li', status, channel);
      item.dataset.channel = channel;
      const stop = el('button', '', '×');
      stop.type = 'button';
      stop.title = `Stop watching ${channel}`;
      stop.setAttribute('aria-label', `Stop watching ${channel}`);
      stop.addEventListener('click', () => stopWatching(channel));
      item.appendChild(stop);
      return item;
    });
    $('watching').replaceChildren(...items);
  }

  async function triggerFromForm() {
    const result = $('trigger-result');
    let data;
    try {
      data = JSON.parse($('trigger-data').value || '{}');
    } catch (error) {
      result.textContent = `Data is not JSON: ${error.message}`;
      return;
    }
    const body = { channel: $('trigger-channel').value.trim(), event: $('trigger-event').value.trim(), data };
    const answer = await api('/trigger', { method: 'POST', body: JSON.stringify(body) });
    result.textContent = answer.status.code === 201 ? `sent (${answer.nodes} node${answer.nodes === 1 ? '' : 's'} with subscribers)` : 'sent (no subscribers)';
  }

  function showError(error) {
    setStatus(`error: ${error.message}`, 'error');
  }

  // ---- wiring ----------------------------------------------------------------------------

  async function tick() {
    try {
      await Promise.all([refreshStats(), refreshChannels(), refreshNodes(), refreshApps()]);
      setStatus(`live · ${new Date().toLocaleTimeString()}`, 'live');
    } catch (error) {
      showError(error);
    } finally {
      setTimeout(tick, REFRESH_MS);
    }
  }

  $('subscribe-form').addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      watch($('console-channel').value, $('console-presence').value);
    } catch (error) {
      log('system', 'watch failed', $('console-channel').value, { message: error.message });
    }
  });
  $('trigger-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('trigger-result').textContent = 'sending…';
    triggerFromForm().catch((error) => {
      $('trigger-result').textContent = `refused: ${error.message}`;
    });
  });
  $('channel-filter').addEventListener('input', (event) => {
    state.filter = event.target.value.trim();
    refreshChannels().catch(showError);
  });
  $('clear-log').addEventListener('click', () => $('console-log').replaceChildren());
  window.addEventListener('hashchange', () => {
    const name = channelFromHash();
    if (name !== undefined) selectChannel(name);
  });
  window.addEventListener('resize', drawCharts);

  const linked = channelFromHash();
  if (linked !== undefined) selectChannel(linked);
  tick();
})();
