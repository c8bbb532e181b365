// placeholder
export function EventsPage() { return <div class="state">Coming soon</div>; }
export function SensorPage() { return <div class="state">Coming soon</div>; }
export function EventSourcePage() { return <div class="state">Coming soon</div>; }
