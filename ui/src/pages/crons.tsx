// placeholder
export function CronsPage() { return <div class="state">Coming soon</div>; }
export function CronPage() { return <div class="state">Coming soon</div>; }
