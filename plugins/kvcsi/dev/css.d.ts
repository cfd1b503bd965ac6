// Stylesheets are bundled by esbuild (dev/start.js).
declare module '*.css';
