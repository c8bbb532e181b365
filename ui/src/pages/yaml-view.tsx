// A resource shown as YAML. The yaml library is loaded on first use (its own chunk), keeping the main bundle small.
import { useEffect, useState } from 'preact/hooks';

export function YamlView({ value }: { value: unknown }) {
  const [text, setText] = useState('');
  useEffect(() => {
    let live = true;
    void import('yaml').then((y) => {
      if (live) setText(y.stringify(value, { lineWidth: 0 }));
    });
    return () => {
      live = false;
    };
  }, [value]);
  return (
    <pre style={{ flex: 1, borderRadius: 0 }} tabIndex={0} aria-label="YAML" data-testid="yaml">
      {text || 'Loading…'}
    </pre>
  );
}
