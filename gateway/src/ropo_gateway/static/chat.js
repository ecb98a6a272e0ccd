/*
 * The chat page without reloads (MyRopo's Avaa Chat and Ropo One's conversation page).
 *
 * The page works without this script: the form posts and the page comes back. With it,
 * the form is posted with fetch (the same fields, CSRF token included; the answer is
 * JSON) and new messages and state changes arrive as Server-Sent Events. Every text is
 * inserted with textContent, never as HTML; a message already shown (same id) is not
 * shown twice, whether it came from the form's answer or from the stream.
 */
(function () {
  "use strict";

  var chat = document.getElementById("chat");
  if (!chat) {
    return;
  }
  var transcript = document.getElementById("chat-transcript");
  var form = document.getElementById("chat-form");
  var field = document.getElementById("chat-text");
  var problem = document.getElementById("chat-text-error");
  var stateLine = document.getElementById("chat-state");
  var closeForm = document.getElementById("chat-close");
  var linksAsText = chat.getAttribute("data-links") === "text";
  var sitePath = /^\/(?![\/\\])[^\s\\]*$/;
  var shown = {};
  var last = chat.getAttribute("data-after") || "";
  var source = null;
  var busy = false;

  Array.prototype.forEach.call(transcript.querySelectorAll("[data-message]"), function (item) {
    shown[item.getAttribute("data-message")] = true;
  });

  function attribute(name) {
    return chat.getAttribute(name) || "";
  }

  function senderName(message) {
    if (message.sender_type === "CUSTOMER") {
      return attribute("data-you");
    }
    if (message.sender_display_name) {
      return message.sender_display_name;
    }
    return attribute("data-sender-" + String(message.sender_type || "").toLowerCase());
  }

  function linkList(links) {
    var list = document.createElement("ul");
    list.className = "chat-links";
    links.forEach(function (link) {
      var item = document.createElement("li");
      if (linksAsText) {
        item.textContent = link.label + " (" + link.path + ")";
      } else {
        var anchor = document.createElement("a");
        anchor.setAttribute("href", link.path);
        anchor.textContent = link.label;
        item.appendChild(anchor);
      }
      list.appendChild(item);
    });
    return list;
  }

  function append(message) {
    if (!message || typeof message.id !== "string" || shown[message.id]) {
      return;
    }
    shown[message.id] = true;
    var item = document.createElement("li");
    item.className = "chat-message chat-" + String(message.sender_type || "").toLowerCase();
    item.setAttribute("data-message", message.id);
    var sender = document.createElement("p");
    sender.className = "chat-sender";
    sender.textContent = senderName(message);
    var text = document.createElement("p");
    text.className = "chat-text";
    text.textContent = String(message.text || "");
    item.appendChild(sender);
    item.appendChild(text);
    var links = (message.links || []).filter(function (link) {
      return link && typeof link.path === "string" && sitePath.test(link.path);
    });
    if (links.length) {
      item.appendChild(linkList(links));
    }
    transcript.appendChild(item);
    // Message ids are zero-padded sequence numbers: they sort in posting order.
    if (message.id > last) {
      last = message.id;
    }
    if (item.scrollIntoView) {
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function stopStream() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function showState(update) {
    if (!update || typeof update.state !== "string") {
      return;
    }
    var text = attribute("data-state-" + update.state.toLowerCase());
    if (text && stateLine) {
      var name = update.assignee_display_name || attribute("data-agent");
      stateLine.textContent = text.replace("{name}", name);
      stateLine.setAttribute("data-state", update.state);
    }
    if (update.state === "CLOSED") {
      stopStream();
      if (form) {
        form.hidden = true;
      }
      if (closeForm) {
        closeForm.hidden = true;
      }
    }
  }

  function parsed(event, handle) {
    try {
      handle(JSON.parse(event.data));
    } catch (ignored) {
      // A malformed event is skipped; the next one or a reload shows the rest.
    }
  }

  function connect() {
    var url = attribute("data-events");
    if (!url || !window.EventSource) {
      return;
    }
    source = new EventSource(url + (last ? "?after=" + encodeURIComponent(last) : ""));
    source.addEventListener("message", function (event) {
      parsed(event, append);
    });
    source.addEventListener("state", function (event) {
      parsed(event, showState);
    });
  }

  function showProblem(text) {
    if (!problem) {
      return;
    }
    problem.textContent = text;
    problem.hidden = !text;
    if (field) {
      if (text) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
    }
  }

  function submitWithFetch(event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, answer: answer || {} };
        });
      })
      .then(function (result) {
        if (typeof result.answer.request_id === "string" && form.elements.request_id) {
          form.elements.request_id.value = result.answer.request_id;
        }
        if (!result.ok) {
          showProblem(String(result.answer.error || attribute("data-failed")));
          return;
        }
        showProblem("");
        field.value = "";
        (result.answer.messages || []).forEach(append);
        showState(result.answer.conversation);
      })
      .catch(function () {
        showProblem(attribute("data-failed"));
      })
      .then(function () {
        busy = false;
        if (button) {
          button.disabled = false;
        }
        if (field) {
          field.focus();
        }
      });
  }

  if (form && field && window.fetch && window.FormData && window.URLSearchParams) {
    form.addEventListener("submit", submitWithFetch);
    field.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter starts a new line (as in other chats).
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.dispatchEvent(new Event("submit", { cancelable: true }));
        }
      }
    });
  }
  window.addEventListener("pagehide", stopStream);
  connect();
})();
