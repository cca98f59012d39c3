// Start page: upload with a progress bar, start packaging, list packaged content. No libraries, works offline.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const http = window.vodpackHttp;
  // The API key lives in this tab's session storage only: closing the tab forgets it.
  const KEY_ITEM = 'vodpack.apiKey';
  const apiKey = () => sessionStorage.getItem(KEY_ITEM) || '';
  const auth = () => ({ Authorization: 'Bearer ' + apiKey() });

  function showKeyState() {
    $('key-status').textContent = apiKey() ? 'Using the key ' + apiKey().slice(0, 12) + '… for this tab.'
      : 'Enter an API key (see the README: the dev key, or the admin key printed at the first start).';
  }
  $('save-key').addEventListener('click', () => {
    const key = $('api-key').value.trim();
    if (key) sessionStorage.setItem(KEY_ITEM, key); else sessionStorage.removeItem(KEY_ITEM);
    $('api-key').value = '';
    showKeyState();
    list();
  });
  showKeyState();

  $('upload').addEventListener('click', () => {
    const file = $('file').files[0];
    if (!file) { $('upload-status').textContent = 'Choose a file first.'; return; }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload_input_content?filename=' + encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', 'video/mp4');
    xhr.setRequestHeader('Authorization', 'Bearer ' + apiKey());
    const bar = $('upload-progress');
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || '{}') || {};
      } catch (e) {
        // Not JSON (e.g. a proxy's HTML error page): the status says it.
      }
      if (xhr.status === 201) {
        $('upload-status').textContent = 'Stored as input ' + body.input_content_id + ' (' + body.video_codec + ', ' +
          body.audio_codec + ', ' + body.width + 'x' + body.height + ').';
        $('input-id').value = body.input_content_id;
      } else {
        $('upload-status').textContent = http.problemText(body, xhr.status);
      }
    };
    xhr.onerror = () => { $('upload-status').textContent = 'The upload failed: ' + http.networkText(); };
    xhr.send(file);
  });

  $('package').addEventListener('click', async () => {
    const order = { input_content_id: Number($('input-id').value) };
    if ($('key').value.trim()) order.key = $('key').value.trim();
    if ($('kid').value.trim()) order.kid = $('kid').value.trim();
    $('package-status').textContent = '';
    let response;
    try {
      response = await fetch('/packaged_content', {
        method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, auth()), body: JSON.stringify(order),
      });
    } catch (e) {
      $('package-status').textContent = http.networkText(e);
      return;
    }
    const body = await http.readJson(response);
    if (response.status === 202 && body.packaged_content_id != null) {
      follow(body.packaged_content_id);
    } else {
      $('package-status').textContent = http.problemText(body, response.status);
    }
  });

  // Waits for the job to finish, then opens its player (player_url carries a playback token). Long polling: each
  // request is answered as soon as the job's status or progress changes (or after 25 s), so the page learns of DONE
  // at once without polling. EventSource (/packaged_content/{id}/events) cannot send the Authorization header the
  // API key travels in, so the page uses ?wait= instead.
  async function follow(id) {
    let response;
    try {
      response = await fetch('/packaged_content/' + encodeURIComponent(id) + '?wait=25', { headers: auth() });
    } catch (e) {
      $('package-status').textContent = http.networkText(e);
      setTimeout(() => follow(id), 2000);
      return;
    }
    const body = await http.readJson(response);
    if (response.status === 202) {
      $('package-status').textContent = 'Packaging ' + id + ': ' + (body.status || 'waiting').toLowerCase() + ' ('
        + (body.progress || 0) + '%). The player opens when it is done.';
      follow(id);
    } else if (response.status === 429) {
      setTimeout(() => follow(id), Number(response.headers.get('Retry-After') || 1) * 1000);
    } else if (response.status === 200 && body.player_url) {
      location.href = body.player_url;
    } else {
      $('package-status').textContent = http.problemText(body, response.status);
    }
  }

  async function list() {
    if (!apiKey()) {
      $('jobs').replaceChildren();
      $('jobs-status').textContent = 'Enter an API key to see your packaged content.';
      return;
    }
    let response;
    try {
      response = await fetch('/packaged_content?size=50', { headers: auth() });
    } catch (e) {
      $('jobs-status').textContent = http.networkText(e);
      return;
    }
    const jobs = await response.json().catch(() => null);
    if (!response.ok || !Array.isArray(jobs)) {
      $('jobs-status').textContent = 'Cannot list packaged content: ' + http.problemText(jobs, response.status);
      return;
    }
    $('jobs-status').textContent = '';
    const rows = jobs.map((j) => {
      const tr = document.createElement('tr');
      for (const v of [j.packaged_content_id, j.input_content_id, j.status + (j.progress != null && j.status !== 'DONE' ? ' ' + j.progress + '%' : ''), j.created_at]) {
        const td = document.createElement('td');
        td.textContent = v == null ? '' : String(v);
        tr.append(td);
      }
      const td = document.createElement('td');
      if (j.player_url) {
        const a = document.createElement('a');
        a.href = j.player_url;
        a.textContent = 'play';
        td.append(a);
      }
      if (j.player_url && j.hls_url) {
        const hls = document.createElement('a');
        hls.href = j.player_url + '&format=hls';
        hls.textContent = 'HLS';
        td.append(' · ', hls);
      }
      tr.append(td);
      return tr;
    });
    $('jobs').replaceChildren(...rows);
  }
  list();
  setInterval(list, 5000);
})();
