// The passkey ceremonies of the coordinators' workspace, the workspace's only script. A form
// marked data-passkey="create" (enrolment) or "get" (sign-in) carries the server's options in
// data-options; on submit, the browser's WebAuthn API runs them, and the form goes to the
// server with the answer in its "credential" field (empty when the person cancelled or the
// browser cannot: the server then says so). The server checks everything (webauthn-rs).
(function () {
  "use strict";

  function bytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      out[i] = binary.charCodeAt(i);
    }
    return out.buffer;
  }

  function text(buffer) {
    var binary = "";
    var view = new Uint8Array(buffer);
    for (var i = 0; i < view.length; i++) {
      binary += String.fromCharCode(view[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function credentials(list) {
    (list || []).forEach(function (credential) {
      credential.id = bytes(credential.id);
    });
  }

  function create(options) {
    var key = options.publicKey;
    key.challenge = bytes(key.challenge);
    key.user.id = bytes(key.user.id);
    credentials(key.excludeCredentials);
    return navigator.credentials.create({ publicKey: key }).then(function (made) {
      return {
        id: made.id,
        rawId: text(made.rawId),
        type: made.type,
        response: {
          attestationObject: text(made.response.attestationObject),
          clientDataJSON: text(made.response.clientDataJSON)
        },
        extensions: {}
      };
    });
  }

  function get(options) {
    var key = options.publicKey;
    key.challenge = bytes(key.challenge);
    credentials(key.allowCredentials);
    return navigator.credentials.get({ publicKey: key }).then(function (used) {
      var response = used.response;
      return {
        id: used.id,
        rawId: text(used.rawId),
        type: used.type,
        response: {
          authenticatorData: text(response.authenticatorData),
          clientDataJSON: text(response.clientDataJSON),
          signature: text(response.signature),
          userHandle: response.userHandle ? text(response.userHandle) : null
        },
        extensions: {}
      };
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      var ceremony = form.getAttribute("data-passkey") === "create" ? create : get;
      var answer;
      try {
        answer = ceremony(JSON.parse(form.getAttribute("data-options")));
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer
        .then(function (credential) {
          form.elements.credential.value = JSON.stringify(credential);
        })
        .catch(function () {
          form.elements.credential.value = "";
        })
        .then(function () {
          form.submit();
        });
    });
  });
})();
