// Start page: upload with a progress bar, start packaging, list packaged content. No libraries, works offline.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const http = window.vodpackHttp;

  $('upload').addEventListener('click', () => {
    const file = $('file').files[0];
    if (!file) { $('upload-status').textContent = 'Choose a file first.'; return; }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload_input_content?filename=' + encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', 'video/mp4');
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
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(order),
      });
    } catch (e) {
      $('package-status').textContent = http.networkText(e);
      return;
    }
    const body = await http.readJson(response);
    if (response.status === 202 && body.packaged_content_id != null) {
      location.href = '/player/' + body.packaged_content_id;
    } else {
      $('package-status').textContent = http.problemText(body, response.status);
    }
  });

  async function list() {
    let response;
    try {
      response = await fetch('/packaged_content?size=50');
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
      const a = document.createElement('a');
      a.href = '/player/' + j.packaged_content_id;
      a.textContent = 'play';
      td.append(a);
      tr.append(td);
      return tr;
    });
    $('jobs').replaceChildren(...rows);
  }
  list();
  setInterval(list, 5000);
})();
