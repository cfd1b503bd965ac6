/* The kvcsi console page: renders what the bot sends (Block Kit and mrkdwn) and sends what you do to the console
 * server, which turns it into signed Slack requests. Plain script, no framework; the DOM is built with
 * textContent only, so nothing the bot sends is ever parsed as HTML. */
/* global document, window, fetch, EventSource, localStorage, URLSearchParams, setTimeout */
'use strict';

(function consolePage() {
  const EMOJI = {
    white_check_mark: '✅', x: '❌', warning: '⚠️', no_entry: '⛔', information_source: 'ℹ️', hourglass_flowing_sand: '⏳',
    hourglass: '⌛', page_facing_up: '📄', lock: '🔒', '+1': '👍', zero: '0️⃣', twisted_rightwards_arrows: '🔀', turtle: '🐢',
    stopwatch: '⏱️', stop_sign: '🛑', red_circle: '🔴', memo: '📝', mag: '🔍', large_orange_circle: '🟠', large_blue_circle: '🔵',
    large_yellow_circle: '🟡', heavy_plus_sign: '➕', heavy_minus_sign: '➖', heavy_equals_sign: '🟰', grey_question: '❔', gear: '⚙️',
    electric_plug: '🔌', boom: '💥', key: '🔑', tada: '🎉', eyes: '👀', rotating_light: '🚨', bulb: '💡',
  };
  const AVATAR_COLOURS = { U0KVCSIBOT: '#2eb67d', U0SBXREQ01: '#1264a3', U0SBXAPP01: '#e01e5a', U0SBXOUT01: '#616061' };

  const params = new URLSearchParams(window.location.search);
  const state = {
    snapshot: undefined,
    user: undefined,
    channel: 'C0SBXPRD',
    /** conversation id → message count already seen, per user */
    seen: {},
    renderedView: undefined,
    history: [],
    refreshing: false,
    dirty: false,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === false || value === null) continue;
      if (name === 'className') node.className = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  // ------------------------------------------------------------------------------------------------------------
  // mrkdwn

  function decodeEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function userName(id) {
    const snapshot = state.snapshot;
    if (!snapshot) return id;
    if (snapshot.bot.id === id) return snapshot.bot.name;
    const user = snapshot.users.find((candidate) => candidate.id === id);
    return user ? user.name : id;
  }

  function channelName(id) {
    const conversation = state.snapshot && state.snapshot.conversations.find((candidate) => candidate.id === id);
    return conversation ? conversation.name : id;
  }

  const DAY_IN_MS = 86_400_000;

  /**
   * `<!date^seconds^format|fallback>` as Slack shows it, in the reader's time zone: the format's tokens ({date_num},
   * {date}, {date_short}, {date_long}, their _pretty forms — today, yesterday, tomorrow —, {time}, {time_secs},
   * {ago}) replaced, anything else kept.
   */
  function slackDate(seconds, format) {
    const date = new Date(seconds * 1000);
    const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const offset = Math.round((midnight(date) - midnight(new Date())) / DAY_IN_MS);
    const dated = (options) => date.toLocaleDateString('en-US', options);
    const pretty = (fallback) => ({ '-1': 'yesterday', 0: 'today', 1: 'tomorrow' })[offset] || fallback;
    const minutes = Math.round((Date.now() - date.getTime()) / 60_000);
    const tokens = {
      date_num: `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`,
      date: dated({ month: 'long', day: 'numeric', year: 'numeric' }),
      date_short: dated({ month: 'short', day: 'numeric', year: 'numeric' }),
      date_long: dated({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
      time: date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' }),
      time_secs: date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit' }),
      ago: Math.abs(minutes) < 1 ? 'just now' : minutes > 0 ? `${minutes < 60 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(minutes / 60)} hour${Math.round(minutes / 60) === 1 ? '' : 's'}`} ago` : 'in the future',
    };
    tokens.date_pretty = pretty(tokens.date);
    tokens.date_short_pretty = pretty(tokens.date_short);
    tokens.date_long_pretty = pretty(tokens.date_long);
    return format.replace(/\{(\w+)\}/g, (whole, name) => tokens[name] || whole);
  }

  /** One `<…>` token: a link, a mention of a person or channel, a date, or a special mention. */
  function angleToken(inner) {
    const [target, label] = inner.split('|');
    const date = /^!date\^(\d+)\^([^^]*)(?:\^(.*))?$/.exec(target);
    if (date) return el('time', { dateTime: new Date(Number(date[1]) * 1000).toISOString(), title: label || '' }, slackDate(Number(date[1]), date[2]));
    if (target.startsWith('@')) return el('span', { className: 'mention' }, `@${label || userName(target.slice(1))}`);
    if (target.startsWith('#')) return el('span', { className: 'mention' }, `#${label || channelName(target.slice(1))}`);
    if (target.startsWith('!')) return el('span', { className: 'mention' }, `@${label || target.slice(1)}`);
    if (/^(https?:|mailto:)/.test(target)) return el('a', { href: target, target: '_blank', rel: 'noopener noreferrer' }, decodeEntities(label || target));
    return document.createTextNode(decodeEntities(`<${inner}>`));
  }

  const INLINE = /(`[^`\n]+`)|(<[^<>\n]+>)|((?<![\w*])\*[^*\n]+\*(?![\w*]))|((?<![\w])_[^_\n]+_(?![\w]))|((?<![\w~])~[^~\n]+~(?![\w~]))|(:[a-z0-9_+-]+:)|(\n)/g;

  function inline(text, parent) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      if (match.index > last) parent.append(decodeEntities(text.slice(last, match.index)));
      const token = match[0];
      if (match[1]) parent.append(el('code', {}, decodeEntities(token.slice(1, -1))));
      else if (match[2]) parent.append(angleToken(token.slice(1, -1)));
      else if (match[3]) inline(token.slice(1, -1), parent.appendChild(el('strong')));
      else if (match[4]) inline(token.slice(1, -1), parent.appendChild(el('em')));
      else if (match[5]) inline(token.slice(1, -1), parent.appendChild(el('s')));
      else if (match[6]) parent.append(EMOJI[token.slice(1, -1)] || token);
      else parent.append(el('br'));
      last = match.index + token.length;
    }
    if (last < text.length) parent.append(decodeEntities(text.slice(last)));
  }

  /** Slack mrkdwn: ``` fences first (their content verbatim), then inline marks. */
  function mrkdwn(text) {
    const container = el('div', { className: 'mrkdwn' });
    const parts = String(text || '').split('```');
    parts.forEach((part, index) => {
      if (index % 2 === 1 && index < parts.length - 1) {
        container.append(el('pre', {}, el('code', {}, decodeEntities(part.replace(/^\n/, '').replace(/\n$/, '')))));
      } else {
        const piece = index % 2 === 1 ? '```' + part : part;
        const trimmed = index > 0 ? piece.replace(/^\n/, '') : piece;
        if (trimmed !== '') inline(trimmed, container.appendChild(el('span')));
      }
    });
    return container;
  }

  function textObject(object) {
    if (!object) return el('span');
    return object.type === 'mrkdwn' ? mrkdwn(object.text) : el('span', {}, object.text || '');
  }

  // ------------------------------------------------------------------------------------------------------------
  // Block Kit

  function button(element, blockId, message) {
    const label = (element.text && element.text.text) || element.action_id;
    const node = el('button', { type: 'button', className: `slack-button ${element.style || ''}` }, label);
    node.addEventListener('click', async () => {
      node.disabled = true;
      node.setAttribute('aria-busy', 'true');
      try {
        await post('/ui/click', { messageId: message.id, actionId: element.action_id, blockId });
      } finally {
        node.disabled = false;
        node.removeAttribute('aria-busy');
      }
    });
    return node;
  }

  function block(blockKit, message) {
    switch (blockKit.type) {
      case 'header':
        return el('h3', { className: 'block block-header' }, (blockKit.text && blockKit.text.text) || '');
      case 'section': {
        const body = el('div', { className: 'block section' });
        if (blockKit.text) body.append(textObject(blockKit.text));
        if (Array.isArray(blockKit.fields)) body.append(el('div', { className: 'fields' }, blockKit.fields.map(textObject)));
        if (blockKit.accessory && blockKit.accessory.type === 'button') {
          return el('div', { className: 'block section-with-accessory' }, body, button(blockKit.accessory, blockKit.block_id, message));
        }
        return body;
      }
      case 'context':
        return el('div', { className: 'block context' }, (blockKit.elements || []).map((element) =>
          element.type === 'image' ? el('img', { src: element.image_url, alt: element.alt_text || '', width: 16, height: 16 }) : textObject(element)));
      case 'divider':
        return el('hr', { className: 'divider' });
      case 'actions':
        return el('div', { className: 'block actions', role: 'group', 'aria-label': 'Actions' },
          (blockKit.elements || []).filter((element) => element.type === 'button').map((element) => button(element, blockKit.block_id, message)));
      case 'image':
        return el('img', { className: 'block', src: blockKit.image_url, alt: blockKit.alt_text || '' });
      default:
        return el('p', { className: 'block context' }, `[a ${blockKit.type} block, which this console does not draw]`);
    }
  }

  function fileCard(file) {
    const lines = String(file.content || '').split('\n');
    return el('details', { className: 'file' },
      el('summary', {}, `📄 ${file.title} (${file.size} bytes) `),
      el('p', {}, el('a', { href: `/files/${encodeURIComponent(file.id)}`, target: '_blank', rel: 'noopener' }, `Open ${file.name}`)),
      el('pre', {}, el('code', {}, lines.slice(0, 60).join('\n') + (lines.length > 60 ? '\n…' : ''))));
  }

  function messageItem(message) {
    const mine = message.author === state.user;
    const author = userName(message.author);
    const time = new Date(Number(message.ts.split('.')[0]) * 1000);
    const meta = el('p', { className: 'meta' },
      el('strong', {}, author),
      message.author === state.snapshot.bot.id ? el('span', { className: 'app-tag' }, 'APP') : undefined,
      el('time', { datetime: time.toISOString() }, time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      message.visibleTo ? el('span', { className: 'tag' }, 'Only visible to you') : undefined,
      message.editedAt ? el('span', { className: 'tag' }, '(edited)') : undefined);
    const body = el('div', { className: 'message-body' });
    if (message.isCommandEcho) body.append(el('p', { className: 'command-echo' }, message.text));
    else if (message.blocks && message.blocks.length > 0) for (const blockKit of message.blocks) body.append(block(blockKit, message));
    else if (message.text) body.append(mrkdwn(message.text));
    for (const file of message.files || []) body.append(fileCard(file));
    return el('li', { className: `message${message.visibleTo ? ' ephemeral' : ''}${mine ? ' mine' : ''}`, 'data-message-id': message.id },
      el('div', { className: 'avatar', 'aria-hidden': 'true', style: `background:${AVATAR_COLOURS[message.author] || '#777'}` }, author.slice(0, 1)),
      el('div', {}, meta, body));
  }

  // ------------------------------------------------------------------------------------------------------------
  // Modals

  function inputBlock(blockKit, errors) {
    const element = blockKit.element || {};
    const id = `input-${blockKit.block_id}`;
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const error = errors && errors[blockKit.block_id];
    const attributes = {
      id, name: blockKit.block_id, 'data-action-id': element.action_id, required: !blockKit.optional,
      maxlength: element.max_length, placeholder: element.placeholder && element.placeholder.text,
      'aria-describedby': [blockKit.hint ? hintId : '', error ? errorId : ''].join(' ').trim() || undefined,
      'aria-invalid': error ? 'true' : undefined,
    };
    const field = element.multiline ? el('textarea', attributes) : el('input', { ...attributes, type: 'text' });
    if (element.initial_value) field.value = element.initial_value;
    return el('div', { className: 'input-block' },
      el('label', { for: id }, (blockKit.label && blockKit.label.text) || blockKit.block_id, blockKit.optional ? el('span', { className: 'optional' }, ' (optional)') : undefined),
      field,
      blockKit.hint ? el('p', { className: 'hint', id: hintId }, blockKit.hint.text) : undefined,
      el('p', { className: 'field-error', id: errorId }, error || ''));
  }

  function showView(view) {
    const dialog = $('modal');
    if (!view) {
      state.renderedView = undefined;
      if (dialog.open) dialog.close();
      return;
    }
    const key = `${view.id}:${view.hash}`;
    if (state.renderedView !== key) {
      state.renderedView = key;
      $('modal-title').textContent = (view.view.title && view.view.title.text) || 'kvcsi';
      $('modal-submit').textContent = (view.view.submit && view.view.submit.text) || 'Submit';
      $('modal-close').textContent = (view.view.close && view.view.close.text) || 'Cancel';
      $('modal-submit').hidden = !view.view.submit;
      const body = $('modal-body');
      body.replaceChildren(...(view.view.blocks || []).map((blockKit) => blockKit.type === 'input' ? inputBlock(blockKit, view.errors) : block(blockKit, { id: view.id })));
      if (!dialog.open) dialog.showModal();
      const first = body.querySelector('input, textarea');
      if (first) first.focus();
    }
    // Errors the bot answered: shown under their inputs without losing what was typed.
    for (const input of $('modal-body').querySelectorAll('input, textarea')) {
      const error = view.errors && view.errors[input.name];
      input.setAttribute('aria-invalid', error ? 'true' : 'false');
      const message = document.getElementById(`${input.id}-error`);
      if (message) message.textContent = error || '';
    }
    $('modal-error').textContent = (view.errors && view.errors._) || '';
  }

  async function submitView(event) {
    event.preventDefault();
    const view = state.snapshot && state.snapshot.view;
    if (!view) return;
    const values = {};
    let firstInvalid;
    for (const input of $('modal-body').querySelectorAll('input, textarea')) {
      const missing = input.required && input.value.trim() === '';
      const message = document.getElementById(`${input.id}-error`);
      if (message) message.textContent = missing ? 'Please fill this in.' : '';
      input.setAttribute('aria-invalid', missing ? 'true' : 'false');
      if (missing && !firstInvalid) firstInvalid = input;
      values[input.name] = { [input.dataset.actionId || 'value']: input.value };
    }
    if (firstInvalid) return firstInvalid.focus();
    const submit = $('modal-submit');
    submit.disabled = true;
    try {
      const answer = await post('/ui/submit', { viewId: view.id, values });
      if (answer && answer.closed) showView(undefined);
    } finally {
      submit.disabled = false;
    }
  }

  async function closeView() {
    const view = state.snapshot && state.snapshot.view;
    showView(undefined);
    if (view) await post('/ui/close', { viewId: view.id });
  }

  // ------------------------------------------------------------------------------------------------------------
  // The page

  async function post(path, body) {
    try {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: state.user, ...body }) });
      const answer = await response.json();
      if (!response.ok) setStatus(`Could not do that: ${answer.error || response.status}`);
      return answer;
    } catch (error) {
      setStatus(`The console did not answer: ${error.message}`);
      return undefined;
    }
  }

  function setStatus(text) {
    $('connection').textContent = text;
  }

  function seenOf(user) {
    state.seen[user] = state.seen[user] || {};
    return state.seen[user];
  }

  function renderSidebar() {
    const snapshot = state.snapshot;
    const seen = seenOf(state.user);
    const item = (conversation) => {
      const label = conversation.kind === 'channel' ? `#${conversation.name}` : `kvcsi (DM)`;
      const unread = conversation.id === state.channel ? 0 : conversation.messageCount - (seen[conversation.id] || 0);
      return el('li', {}, el('button', {
        type: 'button', 'aria-current': conversation.id === state.channel ? 'true' : undefined, 'data-conversation': conversation.id,
        onclick: () => { state.channel = conversation.id; render(); $('composer-input').focus(); },
      }, el('span', {}, label), unread > 0 ? el('span', { className: 'badge' }, `${unread} new`) : undefined));
    };
    $('channel-list').replaceChildren(...snapshot.conversations.filter((conversation) => conversation.kind === 'channel').map(item));
    $('dm-list').replaceChildren(...snapshot.conversations.filter((conversation) => conversation.kind === 'dm').map(item));
  }

  function render() {
    const snapshot = state.snapshot;
    if (!snapshot) return;
    let conversation = snapshot.conversations.find((candidate) => candidate.id === state.channel);
    if (!conversation) {
      conversation = snapshot.conversations[0];
      state.channel = conversation.id;
    }
    seenOf(state.user)[conversation.id] = conversation.messageCount;
    renderSidebar();
    const title = conversation.kind === 'channel' ? `#${conversation.name}` : 'kvcsi (direct messages)';
    $('conversation-title').textContent = title;
    $('conversation-topic').textContent = conversation.topic;
    $('composer-label').textContent = `Message ${title}`;
    $('composer-input').placeholder = `Message ${title} — try /kvcsi help`;
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const messages = snapshot.messages.filter((message) => message.channel === conversation.id);
    list.replaceChildren(...(messages.length > 0 ? messages.map(messageItem) : [el('li', { className: 'message' }, el('span'), el('p', { className: 'context' }, 'Nothing here yet.'))]));
    if (atBottom || state.scrollToEnd) list.scrollTop = list.scrollHeight;
    state.scrollToEnd = false;
    const me = snapshot.me;
    $('user-role').textContent = `${me.name}: ${{ requester: 'may ask for access', approver: 'approves production requests', outsider: 'not in kvcsi\'s configuration: may only read' }[me.role] || ''}`;
    showView(snapshot.view);
  }

  async function refresh() {
    if (state.refreshing) {
      state.dirty = true;
      return;
    }
    state.refreshing = true;
    try {
      do {
        state.dirty = false;
        const response = await fetch(`/ui/state?user=${encodeURIComponent(state.user)}`);
        if (response.ok) {
          const snapshot = await response.json();
          // A click may have answered already: never go back to an older state.
          if (!state.snapshot || snapshot.version >= state.snapshot.version || snapshot.me.id !== state.snapshot.me.id) state.snapshot = snapshot;
          render();
        }
      } while (state.dirty);
    } finally {
      state.refreshing = false;
    }
  }

  function follow() {
    const events = new EventSource('/ui/events');
    events.addEventListener('change', () => { setStatus('Live: connected to the console.'); void refresh(); });
    events.addEventListener('error', () => setStatus('Reconnecting to the console…'));
  }

  async function start() {
    const response = await fetch('/ui/state?user=U0SBXREQ01');
    const first = await response.json();
    const switcher = $('user-switcher');
    for (const user of first.users) switcher.append(el('option', { value: user.id }, `${user.name} (${user.role})`));
    const wanted = params.get('as');
    const fromRole = first.users.find((user) => user.role === wanted || user.id === wanted);
    state.user = (fromRole && fromRole.id) || localStorage.getItem('kvcsi-console-user') || first.users[0].id;
    if (!first.users.some((user) => user.id === state.user)) state.user = first.users[0].id;
    if (params.get('channel')) state.channel = params.get('channel');
    switcher.value = state.user;
    switcher.addEventListener('change', () => {
      state.user = switcher.value;
      localStorage.setItem('kvcsi-console-user', state.user);
      state.snapshot = undefined;
      state.renderedView = undefined;
      state.scrollToEnd = true;
      void refresh();
    });

    $('composer').addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = $('composer-input');
      const text = input.value.trim();
      if (text === '') return;
      input.value = '';
      if (text.startsWith('/')) state.history.push(text);
      state.scrollToEnd = true;
      await post('/ui/type', { channel: state.channel, text });
    });
    $('composer-input').addEventListener('keydown', (event) => {
      if (event.key === 'ArrowUp' && event.target.value === '' && state.history.length > 0) {
        event.preventDefault();
        event.target.value = state.history[state.history.length - 1];
      }
    });
    $('modal-form').addEventListener('submit', submitView);
    $('modal-close').addEventListener('click', () => void closeView());
    $('modal').addEventListener('cancel', (event) => { event.preventDefault(); void closeView(); });
    await refresh();
    follow();
    setTimeout(() => $('composer-input').focus(), 0);
  }

  void start();
})();
