// Pushy admin dashboard: polls the admin API once a second and draws what it gets; the debug
// console talks the Pushy protocol over the sockjs-client that Pushy serves. Everything shown is
// inserted as text, never as markup, because channel names and event data come from outside.
'use strict';

(() => {
  const API = '/pushy/admin/api';
  const REFRESH_MS = 1000;
  const CHART_WINDOW_MS = 5 * 60 * 1000;
  const LOG_LIMIT = 200;

  const $ = (id) => document.getElementById(id);
  const state = {
    sockjsPrefix: '/pushy/socket',
    samples: [],
    lastSampleAt: 0,
    selectedChannel: undefined,
    filter: '',
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

  function formatCount(n) {
    return Number(n).toLocaleString('en-US');
  }

  function formatUptime(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    return `${m}m ${seconds % 60}s`;
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

  // ---- totals and chart ------------------------------------------------------------------

  async function refreshStats() {
    const stats = await api(`/stats?since=${state.lastSampleAt}`);
    const node = stats.node;
    state.sockjsPrefix = stats.sockjsPrefix;
    $('node-id').textContent = node.nodeId.slice(0, 8);
    $('node-id').title = node.nodeId;
    $('uptime').textContent = formatUptime(node.uptime);
    const broker = $('broker-state');
    broker.textContent = node.broker.state;
    broker.className = `pill ${node.broker.ready ? 'ready' : 'down'}`;

    $('total-connections').textContent = formatCount(node.connections.total);
    $('by-transport').textContent = describeCounts(node.connections.byTransport);
    $('total-channels').textContent = formatCount(node.channels.total);
    $('by-kind').textContent = describeCounts(node.channels.byKind);
    $('total-subscriptions').textContent = formatCount(node.subscriptions);
    $('total-members').textContent = formatCount(node.presenceMembers);
    $('events-total').textContent = formatCount(node.events.triggered);
    $('delivered-total').textContent = `${formatCount(node.events.delivered)} delivered`;

    state.samples.push(...stats.history);
    if (stats.history.length > 0) state.lastSampleAt = stats.history[stats.history.length - 1].t;
    const cutoff = Date.now() - CHART_WINDOW_MS - 60000;
    while (state.samples.length > 0 && state.samples[0].t < cutoff) state.samples.shift();
    const latest = state.samples[state.samples.length - 1];
    $('events-rate').textContent = latest ? formatCount(latest.triggeredPerSec) : '0';
    $('delivered-rate').textContent = latest ? `${formatCount(latest.deliveredPerSec)} delivered / s` : '';
    drawChart();
  }

  // ---- nodes ------------------------------------------------------------------------------

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
      const id = el('td');
      const code = el('code', '', node.nodeId.slice(0, 8));
      code.title = node.nodeId;
      id.append(code);
      if (node.self) id.append(el('span', 'muted', ' (this node)'));
      const broker = el('td');
      broker.append(el('span', `pill ${node.broker.ready ? 'ready' : 'down'}`, node.broker.state));
      const age = Math.max(0, Math.round((Date.now() - node.updatedAt) / 1000));
      tr.append(
        id,
        el('td', '', `${node.host} · pid ${node.pid}`),
        broker,
        el('td', 'num connections', formatCount(node.connections.total)),
        el('td', 'muted', describeCounts(node.connections.byTransport)),
        el('td', 'num', formatCount(node.subscriptions)),
        el('td', 'num', formatCount(node.channels.total)),
        el('td', 'num', formatCount(node.events.triggered)),
        el('td', 'num', formatUptime(node.uptime)),
        el('td', 'num muted', node.self ? 'now' : `${age}s ago`),
      );
      return tr;
    });
    $('nodes').tBodies[0].replaceChildren(...rows);
  }

  function niceMax(value) {
    if (value <= 1) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function drawChart() {
    const svg = $('chart');
    // Drawn at the element's own size, so lines and labels are never stretched.
    const width = Math.max(200, Math.round(svg.clientWidth || 800));
    const height = 180;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const end = state.samples.length > 0 ? state.samples[state.samples.length - 1].t : Date.now();
    const start = end - CHART_WINDOW_MS;
    const shown = state.samples.filter((s) => s.t >= start);
    const maxConnections = niceMax(Math.max(0, ...shown.map((s) => s.connections)));
    const maxEvents = niceMax(Math.max(0, ...shown.map((s) => s.triggeredPerSec)));
    const x = (t) => (((t - start) / CHART_WINDOW_MS) * width).toFixed(1);
    const y = (value, max) => (height - 18 - (value / max) * (height - 24)).toFixed(1);
    const ns = 'http://www.w3.org/2000/svg';
    svg.replaceChildren();
    for (let i = 0; i <= 4; i += 1) {
      const line = document.createElementNS(ns, 'line');
      const gy = String(6 + (i * (height - 24)) / 4);
      line.setAttribute('class', 'grid');
      line.setAttribute('x1', '0');
      line.setAttribute('x2', String(width));
      line.setAttribute('y1', gy);
      line.setAttribute('y2', gy);
      svg.appendChild(line);
    }
    for (const [series, read, max] of [
      ['connections', (s) => s.connections, maxConnections],
      ['events', (s) => s.triggeredPerSec, maxEvents],
    ]) {
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('class', series);
      line.setAttribute('points', shown.map((s) => `${x(s.t)},${y(read(s), max)}`).join(' '));
      svg.appendChild(line);
    }
    for (const [text, anchor, at] of [['5 min ago', 'start', 4], ['now', 'end', width - 4]]) {
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('class', 'axis');
      label.setAttribute('x', String(at));
      label.setAttribute('y', String(height - 4));
      label.setAttribute('text-anchor', anchor);
      label.textContent = text;
      svg.appendChild(label);
    }
    $('chart-max-connections').textContent = `(scale 0–${formatCount(maxConnections)})`;
    $('chart-max-events').textContent = `(scale 0–${formatCount(maxEvents)})`;
  }

  // ---- channels and members --------------------------------------------------------------

  async function refreshChannels() {
    const query = state.filter ? `?prefix=${encodeURIComponent(state.filter)}` : '';
    const list = await api(`/channels${query}`);
    $('channel-count').textContent = list.total > list.channels.length ? `(${list.channels.length} of ${list.total})` : `(${list.total})`;
    $('no-channels').hidden = list.channels.length > 0;
    const rows = list.channels.map((channel) => {
      const row = el('tr');
      row.dataset.channel = channel.name;
      if (channel.name === state.selectedChannel) row.classList.add('selected');
      const name = el('td');
      const link = el('a', '', channel.name);
      link.addEventListener('click', () => selectChannel(channel.name));
      name.appendChild(link);
      row.append(name, el('td', '', channel.kind), el('td', 'num subscribers', formatCount(channel.subscribers)), el('td', 'num members', channel.members === undefined ? '' : formatCount(channel.members)));
      return row;
    });
    document.querySelector('#channels tbody').replaceChildren(...rows);
    if (state.selectedChannel) await refreshMembers();
  }

  function selectChannel(name) {
    state.selectedChannel = name;
    $('trigger-channel').value = name;
    $('console-channel').value = name;
    refreshMembers().catch(showError);
  }

  async function refreshMembers() {
    const name = state.selectedChannel;
    const box = $('members');
    let detail;
    try {
      detail = await api(`/channels/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error.status !== 404) throw error;
      // The channel emptied since it was picked: stop showing it.
      state.selectedChannel = undefined;
      box.hidden = true;
      return;
    }
    box.hidden = false;
    $('members-channel').textContent = `${detail.name} (${detail.subscribers} subscribers here)`;
    const items = detail.members.map((member) => {
      const { memberId, subscribed, idle, ...data } = member;
      const item = el('li');
      item.append(el('strong', '', data.id ?? memberId), el('span', '', ` ${JSON.stringify(data)} `), el('span', 'muted', `since ${new Date(subscribed).toLocaleTimeString()}`));
      return item;
    });
    if (items.length === 0) items.push(el('li', 'muted', detail.kind === 'public' ? 'public channel: no presence' : 'no presence members'));
    $('members-list').replaceChildren(...items);
  }

  // ---- debug console ---------------------------------------------------------------------

  const consoleSocket = { sock: undefined, socketId: undefined, ready: undefined, watched: new Map() };

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

  /** Opens the console's own Pushy connection on first use; resolves with its socket id. */
  function connectConsole() {
    if (consoleSocket.ready) return consoleSocket.ready;
    consoleSocket.ready = new Promise((resolve, reject) => {
      const sock = new window.SockJS(state.sockjsPrefix);
      consoleSocket.sock = sock;
      sock.onmessage = (message) => {
        const frame = JSON.parse(message.data);
        if (frame.event === 'pushy:connect') {
          consoleSocket.socketId = frame.data.socketId;
          log('system', 'connected', undefined, { socketId: frame.data.socketId, transport: frame.data.protocol });
          resolve(frame.data.socketId);
          return;
        }
        onConsoleFrame(frame);
      };
      sock.onclose = (event) => {
        log('system', 'disconnected', undefined, { code: event.code, reason: event.reason });
        reject(new Error('console connection closed'));
        consoleSocket.ready = undefined;
        consoleSocket.socketId = undefined;
        for (const channel of consoleSocket.watched.keys()) markWatched(channel, 'failed');
        consoleSocket.watched.clear();
        renderWatched();
      };
    });
    return consoleSocket.ready;
  }

  function onConsoleFrame(frame) {
    const channel = frame.channel ?? frame.data?.channel;
    switch (frame.event) {
      case 'pushy:subscription-success':
        markWatched(channel, 'watching');
        log('system', 'watching', channel, frame.data.presence ? { presence: frame.data.presence } : undefined);
        return;
      case 'pushy:subscription-failed':
      case 'pushy:subscription-needauth':
        markWatched(channel, 'failed');
        log('system', frame.event, channel, frame.data);
        return;
      case 'pushy:subscription-end':
        consoleSocket.watched.delete(channel);
        renderWatched();
        log('system', 'stopped watching', channel);
        return;
      case 'pushy:error':
        // Refusals carry no channel: whatever was still waiting for an answer was refused.
        for (const [name, status] of consoleSocket.watched) if (status === 'pending') consoleSocket.watched.delete(name);
        renderWatched();
        log('system', 'error', undefined, frame.data);
        return;
      default:
        log('event', frame.event, frame.channel, frame.data);
    }
  }

  function markWatched(channel, status) {
    if (!channel) return;
    if (status === 'failed') consoleSocket.watched.delete(channel);
    else consoleSocket.watched.set(channel, status);
    renderWatched();
  }

  function renderWatched() {
    const items = [...consoleSocket.watched].map(([channel, status]) => {
      const item = el('li', status, channel);
      item.dataset.channel = channel;
      const stop = el('button', '', '×');
      stop.type = 'button';
      stop.title = `Stop watching ${channel}`;
      stop.addEventListener('click', () => consoleSocket.sock.send(JSON.stringify({ command: 'unsubscribe', data: { channel } })));
      item.appendChild(stop);
      return item;
    });
    $('watching').replaceChildren(...items);
  }

  async function watch(rawChannel, presenceText) {
    const channel = rawChannel.trim().toLowerCase();
    if (consoleSocket.watched.has(channel)) return;
    const socketId = await connectConsole();
    consoleSocket.watched.set(channel, 'pending');
    renderWatched();
    const data = { channel };
    const isPresence = channel.startsWith('presence-');
    if (isPresence || channel.startsWith('private-')) {
      const signed = { socketId, channel };
      if (isPresence) signed.data = presenceText;
      data.auth = (await api('/auth', { method: 'POST', body: JSON.stringify(signed) })).auth;
      if (isPresence) data.data = presenceText;
    }
    consoleSocket.sock.send(JSON.stringify({ command: 'subscribe', data }));
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
      await Promise.all([refreshStats(), refreshChannels(), refreshNodes()]);
      setStatus(`live · ${new Date().toLocaleTimeString()}`, 'live');
    } catch (error) {
      showError(error);
    } finally {
      setTimeout(tick, REFRESH_MS);
    }
  }

  $('subscribe-form').addEventListener('submit', (event) => {
    event.preventDefault();
    watch($('console-channel').value, $('console-presence').value).catch((error) => {
      log('system', 'watch failed', $('console-channel').value, { message: error.message });
    });
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

  tick();
})();
