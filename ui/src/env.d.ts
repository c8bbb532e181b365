// Module declarations for the bundler: stylesheets are imported for their side effect (Vite injects them).
declare module '*.css';
