/** `code` and **bold** in a description (the only Markdown the OpenAPI document uses), as elements: text stays escaped. */
export function Inline({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part) =>
        part.length > 1 && part.startsWith('`') && part.endsWith('`') ? <code>{part.slice(1, -1)}</code> : part.length > 3 && part.startsWith('**') && part.endsWith('**') ? <strong>{part.slice(2, -2)}</strong> : part,
      )}
    </>
  )
}

/** Paragraphs of `Inline` text. */
export function Markdown({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n\s*\n/).map((paragraph) => (
        <p>
          <Inline text={paragraph} />
        </p>
      ))}
    </>
  )
}
