// The built-in player: plays one packaged content's cbcs ClearKey stream with Shaka Player, from its URL alone
// (/player/<id>?token=<playback token>). The token opens the MPD and the license; keys come from the service's
// license endpoint, never from the page. State is mirrored on window.vodpack so that tests and curious users
// can read it.
(function () {
  'use strict';
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop());
  const video = document.getElementById('video');
  const statusEl = document.getElementById('status');
  const details = document.getElementById('details');
  const state = (window.vodpack = { id: id, status: 'loading', error: null });
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

  // The MPD and license URLs of this content, carrying the page's own playback token.
  function start() {
    const token = new URLSearchParams(location.search).get('token');
    document.getElementById('title').textContent = 'packaged content ' + id;
    if (!token) {
      fail('This player URL has no playback token; ask the content\'s owner for its player_url.');
      return;
    }
    const query = '?token=' + encodeURIComponent(token);
    const content = {
      url: '/content/' + encodeURIComponent(id) + '/stream.mpd' + query,
      license_url: '/license/clearkey/' + encodeURIComponent(id) + query,
    };
    describe({ manifest: content.url.split('?')[0], license: content.license_url.split('?')[0] });
    check(content);
  }

  // Asks for the MPD once, so that an expired or foreign token reads as the service's own words.
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
      fail(http.problemText(body, response.status));
      return;
    }
    play(content);
  }

  async function play(content) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      fail('This browser cannot play MPEG-DASH with Media Source Extensions.');
      return;
    }
    const player = new shaka.Player();
    state.player = player;
    await player.attach(video);
    player.configure({
      drm: {
        servers: { 'org.w3.clearkey': content.license_url },
        advanced: { 'org.w3.clearkey': { videoRobustness: [''], audioRobustness: [''] } },
      },
    });
    player.addEventListener('error', (event) => reportShakaError(event.detail));
    video.addEventListener('error', () => {
      const e = video.error;
      const decode = e && e.code === 3;
      fail('Playback failed: the browser could not ' + (decode ? 'decode the media; most likely the key does not match the content' : 'play the media')
        + (e ? ' (media error ' + e.code + (e.message ? ': ' + e.message : '') + ').' : '.'));
    });
    video.addEventListener('playing', () => {
      if (state.status !== 'error') {
        state.status = 'playing';
        show('Playing the encrypted stream (cbcs, ClearKey).', 'ok');
      }
    });
    try {
      state.status = 'loading-stream';
      show('Loading the stream…');
      await player.load(content.url);
      await video.play().catch(() => {});
    } catch (e) {
      reportShakaError(e);
    }
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
    fail('Playback failed (Shaka error ' + code + (hints[code] ? ': ' + hints[code] : '') + ').');
  }

  start();
})();
