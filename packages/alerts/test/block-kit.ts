/**
 * Block Kit's documented rules for the blocks a message may hold
 * (https://api.slack.com/reference/block-kit/blocks): at most 50 blocks; a header's text is
 * plain_text of at most 150 characters; a section has text or fields, at most 10 fields of at most
 * 2000 characters, text of at most 3000; a context at most 10 elements; text objects are
 * `plain_text` or `mrkdwn` with non-empty text.
 */
export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const m = message as { text?: unknown; blocks?: unknown };
  if (typeof m.text !== 'string' || m.text.length === 0) problems.push('text: missing fallback text');
  if (!Array.isArray(m.blocks) || m.blocks.length === 0 || m.blocks.length > 50) {
    return [...problems, 'blocks: must be 1 to 50'];
  }
  const textObject = (t: unknown, where: string, max: number, plainOnly = false) => {
    const o = t as { type?: unknown; text?: unknown };
    if (o?.type !== 'plain_text' && (plainOnly || o?.type !== 'mrkdwn'))
      problems.push(`${where}.type: ${String(o?.type)}`);
    if (typeof o?.text !== 'string' || o.text.length === 0 || o.text.length > max)
      problems.push(`${where}.text: length ${String((o?.text as string)?.length)} not in 1..${max}`);
    const keys = Object.keys(o ?? {}).filter((k) => !['type', 'text', 'emoji', 'verbatim'].includes(k));
    if (keys.length > 0) problems.push(`${where}: unknown keys ${keys.join(', ')}`);
  };
  m.blocks.forEach((block: Record<string, unknown>, i: number) => {
    const at = `blocks[${i}]`;
    if (block.type === 'header') textObject(block.text, `${at}.text`, 150, true);
    else if (block.type === 'section') {
      if (block.text === undefined && block.fields === undefined) problems.push(`${at}: text or fields`);
      if (block.text !== undefined) textObject(block.text, `${at}.text`, 3000);
      if (block.fields !== undefined) {
        const fields = block.fields as unknown[];
        if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10)
          problems.push(`${at}.fields: 1 to 10`);
        fields.forEach((f, j) => {
          textObject(f, `${at}.fields[${j}]`, 2000);
        });
      }
    } else if (block.type === 'context') {
      const elements = block.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
        problems.push(`${at}.elements: 1 to 10`);
      elements.forEach((e, j) => {
        textObject(e, `${at}.elements[${j}]`, 3000);
      });
    } else problems.push(`${at}.type: ${String(block.type)} not used here`);
  });
  return problems;
}
