/* The microphone's sound as PCM16 pieces (mono, little-endian), at the audio context's
   rate, a tenth of a second each, with their loudness for the level meter. */
class PcmPieces extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 10);
    this.buffer = new Int16Array(this.size);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    var channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (var i = 0; i < channel.length; i++) {
      var s = Math.max(-1, Math.min(1, channel[i]));
      this.buffer[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      this.energy += s * s;
      if (this.filled === this.size) {
        var piece = this.buffer.buffer;
        this.port.postMessage({ pcm: piece, level: Math.sqrt(this.energy / this.size) }, [piece]);
        this.buffer = new Int16Array(this.size);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor("pcm-pieces", PcmPieces);
