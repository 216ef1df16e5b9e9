// Passkeys and security keys: asks the browser (navigator.credentials) to create or use
// one with the options the page holds in [data-webauthn-create] or [data-webauthn-get],
// and posts its answer as JSON text in the form's "credential" field. The server checks
// everything; this only carries bytes, as base64url, between the page and the browser.
(function () {
  "use strict";

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) {
      return null;
    }
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromBase64url(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    var publicKey = Object.assign({}, options.publicKey);
    publicKey.challenge = fromBase64url(publicKey.challenge);
    publicKey.user = Object.assign({}, publicKey.user, { id: fromBase64url(publicKey.user.id) });
    publicKey.excludeCredentials = descriptors(publicKey.excludeCredentials);
    return { publicKey: publicKey };
  }

  function requestOptions(options) {
    var publicKey = Object.assign({}, options.publicKey);
    publicKey.challenge = fromBase64url(publicKey.challenge);
    publicKey.allowCredentials = descriptors(publicKey.allowCredentials);
    return { publicKey: publicKey };
  }

  // Only what the server reads: the form takes a field of a limited size.
  function created(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toBase64url(credential.response.clientDataJSON),
        attestationObject: toBase64url(credential.response.attestationObject)
      }
    };
  }

  function asserted(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toBase64url(credential.response.clientDataJSON),
        authenticatorData: toBase64url(credential.response.authenticatorData),
        signature: toBase64url(credential.response.signature),
        userHandle: toBase64url(credential.response.userHandle)
      }
    };
  }

  function setUp(form) {
    var button = form.querySelector("[data-webauthn-start]");
    var status = form.querySelector("[data-webauthn-status]");
    var field = form.querySelector("input[name=credential]");
    if (!button || !field) {
      return;
    }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      status.textContent = form.getAttribute("data-unsupported-label");
      return;
    }
    var createWith = form.getAttribute("data-webauthn-create");
    var getWith = form.getAttribute("data-webauthn-get");
    button.hidden = false;
    // The button submits the form only through the browser's passkey dialog: without
    // this script it stays hidden, and form.submit() below fires no submit event.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      status.textContent = "";
      var asking = createWith
        ? navigator.credentials.create(creationOptions(JSON.parse(createWith))).then(created)
        : navigator.credentials.get(requestOptions(JSON.parse(getWith))).then(asserted);
      asking.then(
        function (answer) {
          field.value = JSON.stringify(answer);
          form.submit();
        },
        function () {
          // Cancelled, timed out or refused by the browser: the reason is not the user's.
          button.disabled = false;
          status.textContent = form.getAttribute("data-failed-label");
        }
      );
    });
  }

  function start() {
    var forms = document.querySelectorAll("[data-webauthn-form]");
    for (var i = 0; i < forms.length; i++) {
      setUp(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
