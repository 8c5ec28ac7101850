/*
 * scan.js: reading a QR code with the camera, where the browser has the
 * Shape Detection API's BarcodeDetector (Chrome on Android, Safari with the
 * feature on). Everywhere else the app offers the text field only. The
 * camera stream stays on the phone: frames go to BarcodeDetector, nowhere
 * else, and the camera stops as soon as a code is read or the user leaves.
 */

/** cameraScanAvailable reports whether this browser can scan a QR code. */
export function cameraScanAvailable() {
  return (
    typeof globalThis.BarcodeDetector === "function" &&
    !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
  );
}

/**
 * startScan shows the back camera in video and calls onCode(text) with the
 * first QR code read that starts with prefix. It returns a function that
 * stops the camera. It throws when the camera cannot be used (permission
 * refused, no camera) or QR codes are not supported.
 */
export async function startScan(video, prefix, onCode) {
  const formats = await globalThis.BarcodeDetector.getSupportedFormats();
  if (!formats.includes("qr_code")) {
    throw new Error("qr_code not supported");
  }
  const detector = new globalThis.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  let stopped = false;
  let timer = 0;
  const stop = () => {
    if (stopped) {
      return;
    }
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) {
      track.stop();
    }
    video.srcObject = null;
  };
  video.srcObject = stream;
  video.muted = true;
  video.setAttribute("playsinline", "");
  try {
    await video.play();
  } catch (e) {
    stop();
    throw e;
  }
  const tick = async () => {
    if (stopped) {
      return;
    }
    try {
      if (video.readyState >= 2) {
        for (const code of await detector.detect(video)) {
          const text = String(code.rawValue || "");
          if (text.toLowerCase().startsWith(prefix)) {
            stop();
            onCode(text);
            return;
          }
        }
      }
    } catch {
      // A frame that could not be read: try the next one.
    }
    timer = setTimeout(tick, 250);
  };
  timer = setTimeout(tick, 250);
  return stop;
}
