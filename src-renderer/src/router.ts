import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'

/** Hash history: works from file:// in Electron and from any path in browser mode. */
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/experiments' },
  { path: '/experiments', name: 'experiments', component: () => import('./views/ExperimentsView.vue') },
  { path: '/live', name: 'live', component: () => import('./views/LiveView.vue') },
  { path: '/history', name: 'history', component: () => import('./views/HistoryView.vue') },
  { path: '/runs/:id', name: 'run', component: () => import('./views/RunDetailView.vue'), props: true },
  { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue') },
  { path: '/data', name: 'data', component: () => import('./views/DataView.vue') },
  { path: '/models', name: 'models', component: () => import('./views/ModelsView.vue') },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/experiments' },
]

export const router = createRouter({ history: createWebHashHistory(), routes })
