// Issue #10: a downloaded file's name is a plain base name, whatever EspoCRM stored.
import { plainFileName } from '../../nodes/EspoCrmAttachment/client/attachments';

describe('plainFileName', () => {
	it.each([
		['contract.pdf', 'contract.pdf'],
		['../../etc/passwd', 'passwd'],
		['C:\\Users\\x\\report..final.pdf', 'report.final.pdf'],
		['tab\tand\u0007bell\u007f.txt', 'tabandbell.txt'],
		['line\r\nbreak.txt', 'linebreak.txt'],
		['dir/', 'attachment-a1'],
		['..', 'attachment-a1'],
		['', 'attachment-a1'],
		[null, 'attachment-a1'],
		['Überweisung „März“.pdf', 'Überweisung „März“.pdf'],
	])('%j → %j', (stored, expected) => {
		expect(plainFileName(stored, 'a1')).toBe(expected);
	});
});
