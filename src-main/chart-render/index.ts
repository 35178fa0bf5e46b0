export { panelToPng, panelToSvgString, renderCompare } from './node-render'
export { heatmapPng } from './heatmap-png'
