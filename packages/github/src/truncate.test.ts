import { describe, expect, it } from 'vitest';
import { truncateMarkdown, truncateMarkdownBytes } from './truncate.js';

describe('truncateMarkdownBytes', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateMarkdownBytes('ü'.repeat(10), 20)).toEqual({ text: 'ü'.repeat(10), truncated: false });
  });

  it('counts UTF-8 bytes, never splits a character, closes an open fence and says where the rest is', () => {
    const lines = Array.from({ length: 4_000 }, (_, i) => `| ${i} | модель 🙂 |`);
    const text = `# report\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`;
    const limit = 50_000;
    const cut = truncateMarkdownBytes(text, limit, { statedLimit: 60_000, fullTextAt: 'The full report is in report.md.' });
    expect(cut.truncated).toBe(true);
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(limit);
    expect(Buffer.byteLength(cut.text)).toBeGreaterThan(limit - 2_500);
    expect(cut.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no half of a surrogate pair
    expect(cut.text).toMatch(/\n```\n\n> \[!WARNING\]\n> Truncated: this text is [\d,]+ bytes, over GitHub's limit of 60,000\. The full report is in report\.md\.\n$/);
    const fences = cut.text.match(/^```/gm) ?? [];
    expect(fences.length % 2).toBe(0);
  });
});

describe('truncateMarkdown', () => {
  it('names the job summary unless told where the full text is', () => {
    const text = 'line\n'.repeat(1_000);
    expect(truncateMarkdown(text, 1_000).text).toContain("The workflow run's job summary and artifacts have the full report.");
    const elsewhere = truncateMarkdown(text, 1_000, { fullTextAt: 'The full report is in comment.md.' });
    expect(elsewhere.text).toContain('The full report is in comment.md.');
    expect(elsewhere.text).not.toContain('job summary');
    expect(elsewhere.text.length).toBeLessThanOrEqual(1_000);
  });
});
