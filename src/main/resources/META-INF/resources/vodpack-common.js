// Shared by the start page and the player: how a failed request reads in the page, whether the service answered
// with a problem (RFC 9457), with something else (an HTML error page, an empty body) or not at all.
(function () {
  'use strict';

  // The body as a JSON object; anything else (not JSON, an array, null) reads as an empty object.
  async function readJson(response) {
    try {
      const body = await response.json();
      return body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    } catch (e) {
      return {};
    }
  }

  // "Title: detail" of a problem body; the HTTP status when the body says nothing.
  function problemText(body, status) {
    const problem = body || {};
    return (problem.title || 'Error') + ': ' + (problem.detail || ('HTTP ' + status));
  }

  // For a fetch that never got an answer (service down, network gone, request blocked).
  function networkText(error) {
    return 'Cannot reach the service: ' + ((error && error.message) || 'network error') + '.';
  }

  window.vodpackHttp = { readJson: readJson, problemText: problemText, networkText: networkText };
})();
