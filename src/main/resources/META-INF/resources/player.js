// The built-in player: plays one packaged content's cbcs stream with Shaka Player, from its URL alone
// (/player/<id>?token=<playback token>). DASH by default (keys from the ClearKey license endpoint); with
// ?format=hls the HLS master playlist, whose key URI (/license/hls/<id>) gives the raw key. The token opens the
// manifest and the keys; keys never come from the page. The viewer sees the current rendition and may pick one or
// Auto. State is mirrored on window.vodpack so that tests and curious users can read it.
(function () {
  'use strict';
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop());
  const params = new URLSearchParams(location.search);
  const format = params.get('format') === 'hls' ? 'hls' : 'dash';
  const video = document.getElementById('video');
  const statusEl = document.getElementById('status');
  const details = document.getElementById('details');
  const select = document.getElementById('rendition-select');
  const renditionEl = document.getElementById('rendition');
  const state = (window.vodpack = { id: id, format: format, status: 'loading', error: null, rendition: null, renditions: [], abr: true });
  const http = window.vodpackHttp;

  function show(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind || '';
  }

  function fail(message) {
    state.status = 'error';
    state.error = message;
    show(message, 'error');
  }

  function describe(info) {
    details.innerHTML = '';
    for (const [k, v] of Object.entries(info)) {
      if (v === null || v === undefined) continue;
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = String(v);
      details.append(dt, dd);
    }
  }

  // Links to this page in the other format, keeping the token.
  function formatLinks() {
    for (const f of ['dash', 'hls']) {
      const link = new URLSearchParams(params);
      if (f === 'dash') link.delete('format'); else link.set('format', f);
      const a = document.getElementById('format-' + f);
      a.href = location.pathname + '?' + link.toString();
      if (f === format) a.setAttribute('aria-current', 'true');
    }
  }

  // The manifest (and, for DASH, license) URLs of this content, carrying the page's own playback token.
  function start() {
    const token = params.get('token');
    document.getElementById('title').textContent = 'packaged content ' + id + ' · ' + format.toUpperCase();
    formatLinks();
    if (!token) {
      fail('This player URL has no playback token; ask the content\'s owner for its player_url.');
      return;
    }
    const query = '?token=' + encodeURIComponent(token);
    const path = '/content/' + encodeURIComponent(id) + '/';
    const content = format === 'hls'
      ? { url: path + 'master.m3u8' + query, key_url: '/license/hls/' + encodeURIComponent(id) }
      : { url: path + 'stream.mpd' + query, license_url: '/license/clearkey/' + encodeURIComponent(id) + query };
    describe({ format: format.toUpperCase(), manifest: content.url.split('?')[0],
      license: content.license_url ? content.license_url.split('?')[0] : null,
      'key URI': content.key_url || null });
    check(content);
  }

  // Asks for the manifest once, so that an expired or foreign token, or content without HLS, reads as the service's
  // own words.
  async function check(content) {
    let response;
    try {
      response = await fetch(content.url, { method: 'HEAD' });
    } catch (e) {
      fail(http.networkText(e));
      return;
    }
    if (!response.ok) {
      const full = await fetch(content.url).catch(() => null);
      const body = full ? await http.readJson(full) : {};
      fail((format === 'hls' && response.status === 404 ? 'This content has no HLS playlists; play it as DASH. ' : '')
        + http.problemText(body, response.status));
      return;
    }
    play(content);
  }

  async function play(content) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      fail('This browser cannot play adaptive streams with Media Source Extensions.');
      return;
    }
    const player = new shaka.Player();
    state.player = player;
    await player.attach(video);
    const robustness = { 'org.w3.clearkey': { videoRobustness: [''], audioRobustness: [''] } };
    // HLS names its key URI in the playlists (EXT-X-KEY, KEYFORMAT "identity"); Shaka fetches it itself. A ClearKey
    // license server configured here would take its place, so only DASH gets one.
    player.configure(format === 'hls' ? { drm: { advanced: robustness } }
      : { drm: { servers: { 'org.w3.clearkey': content.license_url }, advanced: robustness } });
    player.addEventListener('error', (event) => reportShakaError(event.detail));
    player.addEventListener('adaptation', showRendition);
    player.addEventListener('variantchanged', showRendition);
    player.addEventListener('trackschanged', listRenditions);
    video.addEventListener('resize', showRendition);
    video.addEventListener('error', () => {
      const e = video.error;
      const decode = e && e.code === 3;
      fail('Playback failed: the browser could not ' + (decode ? 'decode the media; most likely the key does not match the content' : 'play the media')
        + (e ? ' (media error ' + e.code + (e.message ? ': ' + e.message : '') + ').' : '.'));
    });
    video.addEventListener('playing', () => {
      if (state.status !== 'error') {
        state.status = 'playing';
        show('Playing the encrypted ' + format.toUpperCase() + ' stream (cbcs, ' + (format === 'hls' ? 'SAMPLE-AES' : 'ClearKey') + ').', 'ok');
      }
    });
    select.addEventListener('change', () => choose(select.value));
    try {
      state.status = 'loading-stream';
      show('Loading the stream…');
      await player.load(content.url);
      listRenditions();
      await video.play().catch(() => {});
    } catch (e) {
      reportShakaError(e);
    }
  }

  // One entry per video rendition (height and bitrate), tallest first; with one audio track that is one variant each.
  function renditions() {
    const seen = new Map();
    for (const t of state.player.getVariantTracks()) {
      const k = t.height + '-' + t.bandwidth;
      if (!seen.has(k)) seen.set(k, t);
    }
    return [...seen.values()].sort((a, b) => (b.height - a.height) || (b.bandwidth - a.bandwidth));
  }

  function label(track) {
    return (track.height ? track.height + 'p' : 'audio only') + ' · ' + Math.round(track.bandwidth / 1000) + ' kbit/s';
  }

  function listRenditions() {
    if (!state.player) return;
    const tracks = renditions();
    state.renditions = tracks.map((t) => ({ id: t.id, height: t.height, width: t.width, bandwidth: t.bandwidth }));
    const chosen = select.value;
    select.innerHTML = '';
    const auto = document.createElement('option');
    auto.value = 'auto';
    auto.textContent = 'Auto';
    select.append(auto);
    for (const t of tracks) {
      const option = document.createElement('option');
      option.value = String(t.id);
      option.textContent = label(t);
      select.append(option);
    }
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : 'auto';
    select.disabled = tracks.length === 0;
    showRendition();
  }

  // Auto lets Shaka's ABR choose; a rendition turns ABR off and switches to it (clearing what is buffered).
  function choose(value) {
    const player = state.player;
    if (value === 'auto') {
      player.configure({ abr: { enabled: true } });
      state.abr = true;
    } else {
      const track = player.getVariantTracks().find((t) => String(t.id) === value);
      if (!track) return;
      player.configure({ abr: { enabled: false } });
      state.abr = false;
      player.selectVariantTrack(track, true);
    }
    showRendition();
  }

  function showRendition() {
    if (!state.player) return;
    const active = state.player.getVariantTracks().find((t) => t.active);
    if (!active) return;
    state.rendition = { id: active.id, height: active.height, width: active.width, bandwidth: active.bandwidth };
    renditionEl.textContent = 'Now: ' + label(active) + (state.abr ? ' (Auto)' : '');
  }

  function reportShakaError(error) {
    if (!error) return;
    const code = error.code !== undefined ? error.code : '?';
    const hints = {
      3016: 'the decoder rejected the media: most likely the key does not match the content',
      4012: 'no key could be obtained for this KID',
      6007: 'the license request failed',
      6012: 'no license server is configured',
    };
    if (format === 'hls' && code === 6007) hints[6007] = 'the HLS key request failed';
    fail('Playback failed (Shaka error ' + code + (hints[code] ? ': ' + hints[code] : '') + ').');
  }

  start();
})();
