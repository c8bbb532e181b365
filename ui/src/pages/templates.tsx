// placeholder
export function TemplatesPage() { return <div class="state">Coming soon</div>; }
export function TemplatePage() { return <div class="state">Coming soon</div>; }
