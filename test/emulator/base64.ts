// PHP's non-strict base64_decode (observed §2.15, §2.16): characters outside the alphabet, and `=`
// anywhere, are skipped; leftover bits at the end are dropped.

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** For the `file` string of a single-request upload. */
export function decodeBase64Loose(text: string): Buffer {
	return Buffer.from(STRICT_BASE64.test(text) ? text : text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

const IN_ALPHABET = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') IN_ALPHABET[c.charCodeAt(0)] = 1;

// Below Node's external-string threshold (~1 MB), so each slice is an ordinary V8 string that the
// GC gives back; a multiple of 4 so no base64 quantum is split.
const SLICE = 512 * 1024;

/**
 * Decodes `bytes[start, end)` without building one big string: the alphabet characters are first
 * packed to the front IN PLACE (the caller owns the buffer), then decoded slice by slice into
 * `scratch` (or a new buffer when scratch is too small). Keeps RSS flat over many chunks (issue #3).
 */
export function decodeBase64LooseBytes(bytes: Buffer, start: number, end: number, scratch: Buffer): Buffer {
	let packed = start;
	for (let i = start; i < end; i += 1) {
		const c = bytes[i];
		if (IN_ALPHABET[c]) bytes[packed++] = c;
	}
	const decodedLength = Math.floor(((packed - start) * 3) / 4);
	const target = decodedLength <= scratch.length ? scratch : Buffer.allocUnsafe(decodedLength);
	let written = 0;
	for (let at = start; at < packed; at += SLICE) {
		written += target.write(bytes.toString('latin1', at, Math.min(packed, at + SLICE)), written, 'base64');
	}
	return target.subarray(0, written);
}
