// The built-in player: waits for the job to be DONE, then plays the cbcs ClearKey stream with Shaka Player.
// Keys come from the service's license endpoint, never from the page. State is mirrored on
// window.vodpack so that tests and curious users can read it.
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

  async function poll() {
    let response;
    try {
      response = await fetch('/packaged_content/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } });
    } catch (e) {
      fail(http.networkText(e));
      return;
    }
    const body = await http.readJson(response);
    document.getElementById('title').textContent = 'packaged content ' + id;
    if (response.status === 202) {
      // A 202 without a job status (a proxy's, say) still means "not yet": keep waiting.
      state.status = typeof body.status === 'string' ? body.status : 'waiting';
      show('Packaging is ' + state.status.toLowerCase() + ' (' + (body.progress || 0) + '%). This page starts playback when it is done.');
      const wait = Number(response.headers.get('Retry-After') || 2) * 1000;
      setTimeout(poll, wait);
      return;
    }
    if (response.status !== 200) {
      fail(http.problemText(body, response.status));
      return;
    }
    if (!body.url || !body.license_url) {
      fail('The service answered without a stream to play (HTTP ' + response.status + ').');
      return;
    }
    describe({ status: body.status, manifest: body.url, kid: body.kid, license: body.license_url,
      engine: body.engine, finished: body.finished_at });
    play(body);
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

  poll();
})();
