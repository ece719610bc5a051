/* Voice: the composer's microphone streams PCM16 over the thread's socket (binary frames),
   and audio the assistant sends back plays as it arrives. Only on pages whose assistant
   listens (the button is there). */
(function () {
  "use strict";
  function say(key, fallback) { return window.chatStrings ? window.chatStrings(key, fallback) : fallback; }

  // Loudness (RMS, 0..1) above which someone speaks, and the quiet after speech that ends
  // the recording.
  var SPEAKING = 0.02;
  var SILENCE_MS = 1800;
  var socket = null;      // htmx's socket wrapper, while open
  var recording = null;   // {stream, context, node, startedAt, pending[], on, spokeAt, timer}
  var playback = null;    // {context, nextAt, sources[]}
  var arriving = Promise.resolve();

  function button() { return document.getElementById("voice-button"); }

  function notice(text, level) {
    var el = document.getElementById("chat-notice");
    if (!el) return;
    el.className = "notice notice--" + (level || "error");
    el.setAttribute("role", level === "info" ? "status" : "alert");
    el.textContent = text;
  }

  function sendJson(fields) {
    if (!socket) return false;
    fields.HEADERS = {};
    socket.sendImmediately(JSON.stringify(fields));
    return true;
  }

  function showRecording(on) {
    var b = button(), status = document.getElementById("voice-status");
    if (!b || !status) return;
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.setAttribute("aria-label", on ? say("voiceStop", "Stop and send") : say("voiceTalk", "Talk"));
    b.classList.toggle("composer__voice--on", on);
    status.hidden = !on;
    if (!on) document.getElementById("voice-level").value = 0;
  }

  function tick() {
    if (!recording) return;
    var seconds = Math.floor((Date.now() - recording.startedAt) / 1000);
    document.getElementById("voice-timer").textContent =
      Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function piece(data) {
    if (!recording) return;
    document.getElementById("voice-level").value = Math.min(1, data.level * 4);
    var now = Date.now();
    if (data.level >= SPEAKING) recording.spokeAt = now;
    if (recording.on) socket.sendImmediately(data.pcm);
    else recording.pending.push(data.pcm);
    if (recording.spokeAt && now - recording.spokeAt > SILENCE_MS) stop(true);
  }

  function start() {
    var b = button();
    if (!socket || !b) return;
    interrupt();  // the user talks: the answer being played stops
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      notice(say("voiceDenied", "The microphone is not available: allow it in the browser, or type instead."));
      return;
    }
    var rate = parseInt(b.dataset.voiceRate, 10);
    recording = { startedAt: Date.now(), pending: [], on: false, spokeAt: 0 };
    var mine = recording;
    showRecording(true);
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } })
      .then(function (stream) {
        mine.stream = stream;
        if (recording !== mine) { release(mine); return null; }
        mine.context = new AudioContext({ sampleRate: rate });
        return mine.context.audioWorklet.addModule(b.dataset.voiceWorklet).then(function () {
          if (recording !== mine) { release(mine); return; }
          var source = mine.context.createMediaStreamSource(stream);
          mine.node = new AudioWorkletNode(mine.context, "pcm-pieces");
          mine.node.port.onmessage = function (event) { if (recording === mine) piece(event.data); };
          var mute = mine.context.createGain();
          mute.gain.value = 0;  // pulled through, never heard
          source.connect(mine.node).connect(mute).connect(mine.context.destination);
          mine.timer = setInterval(tick, 250);
          sendJson({ type: "audio_start" });
        });
      })
      .catch(function (error) {
        if (recording === mine) { recording = null; showRecording(false); }
        release(mine);
        var missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
        notice(missing ? say("voiceMissing", "No microphone was found: type your message instead.")
                       : say("voiceDenied", "The microphone is not available: allow it in the browser, or type instead."));
      });
  }

  function release(r) {
    if (r.timer) clearInterval(r.timer);
    if (r.stream) r.stream.getTracks().forEach(function (t) { t.stop(); });
    if (r.node) r.node.port.onmessage = null;
    if (r.context && r.context.state !== "closed") r.context.close();
  }

  // send: the page ends the recording (the answer comes); else it is let go.
  function stop(send) {
    var r = recording;
    if (!r) return;
    recording = null;
    release(r);
    showRecording(false);
    if (send && r.on) sendJson({ type: "audio_end" });
    var input = document.getElementById("message-input");
    if (input) input.focus();
  }

  function toggle() { if (recording) stop(true); else start(); }

  // -- audio from the server ---------------------------------------------------------------
  function interrupt() {
    if (!playback) return;
    playback.sources.forEach(function (s) { try { s.stop(); } catch (e) { /* ended */ } });
    playback.sources = [];
    playback.nextAt = 0;
  }

  function play(header, bytes) {
    var b = button();
    if (header.mimeType !== "pcm16" || bytes.byteLength < 2) return;
    if (!playback) playback = { context: new AudioContext(), nextAt: 0, sources: [] };
    var samples = new Int16Array(bytes.slice(0, bytes.byteLength - (bytes.byteLength % 2)));
    var buffer = playback.context.createBuffer(1, samples.length, header.sampleRate);
    var channel = buffer.getChannelData(0);
    for (var i = 0; i < samples.length; i++) channel[i] = samples[i] / 0x8000;
    var source = playback.context.createBufferSource();
    source.buffer = buffer;
    source.connect(playback.context.destination);
    var at = Math.max(playback.context.currentTime, playback.nextAt);
    source.start(at);
    playback.nextAt = at + buffer.duration;
    playback.sources.push(source);
    source.onended = function () {
      playback.sources = playback.sources.filter(function (s) { return s !== source; });
    };
    if (b) b.dataset.playedChunks = String(parseInt(b.dataset.playedChunks || "0", 10) + 1);
  }

  function frame(buffer) {
    var view = new DataView(buffer);
    var length = view.getUint16(0);
    var header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 2, length)));
    var data = buffer.slice(2 + length);
    if (header.type === "audio_chunk") play(header, data);
    else if (header.type === "audio_interrupt") interrupt();
    else if (header.type === "audio_connection" && recording) {
      if (header.state === "on" && !recording.on) {
        recording.on = true;
        recording.pending.forEach(function (pcm) { socket.sendImmediately(pcm); });
        recording.pending = [];
      } else if (header.state === "off") {
        var asked = !recording.on;
        stop(false);
        // A notice from the server says why (a limit, a bad piece); else it said no.
        if (asked && !header.explained) notice(say("voiceRefused", "The assistant is not listening right now."), "info");
      }
    }
  }

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    if (typeof message === "string") return;
    event.preventDefault();  // not HTML: audio, in order
    arriving = arriving.then(function () {
      return (message.arrayBuffer ? message.arrayBuffer() : Promise.resolve(message)).then(frame);
    }).catch(function () { /* a frame the page cannot read is skipped */ });
  });

  document.addEventListener("htmx:wsOpen", function (event) { socket = event.detail.socketWrapper; });
  document.addEventListener("htmx:wsClose", function () {
    socket = null;
    if (recording) {
      stop(false);
      notice(say("voiceDropped", "The connection dropped: that recording was not sent."));
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#voice-button")) toggle();
  });
  document.addEventListener("keydown", function (event) {
    if (!button() || !event.altKey || event.ctrlKey || event.metaKey || event.code !== "KeyM") return;
    event.preventDefault();
    toggle();
  });
  // Stop (the composer's) also silences the answer.
  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("composer__stop")) interrupt();
  }, true);
})();
