import { describe, expect, it } from 'vitest';
import { codeCell, escapeMarkdownText, unescapeMarkdownText } from './markdown.js';

describe('unescapeMarkdownText', () => {
  it('gives back the text escapeMarkdownText was given, line breaks folded', () => {
    for (const text of ['<!-- hidden --> @octocat fixes #1', 'a|b `tick` \\ & &amp; &lt;', '[x](javascript:alert(1)) ![i](x) *em* _u_ ~s~', 'cr\r# Heading\nnext', '@\u2060already guarded']) {
      expect(unescapeMarkdownText(escapeMarkdownText(text))).toBe(text.replace(/\r\n?|\n/g, ' '));
    }
  });

  it('resolves what a reader of hand-written markdown sees: backslash escapes and entities', () => {
    expect(unescapeMarkdownText('income \\> 50K &amp; 5 &quot;x&quot; &#39;y&#39; \\q')).toBe('income > 50K & 5 "x" \'y\' \\q');
  });
});

describe('codeCell', () => {
  it('is a code span whose pipes cannot split a table row', () => {
    expect(codeCell('a|b')).toBe('`a\\|b`');
    expect(codeCell('tick`s')).toBe('``tick`s``');
  });
});
