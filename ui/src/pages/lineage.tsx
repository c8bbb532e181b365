// placeholder
export function LineagePage() { return <div class="state">Coming soon</div>; }
