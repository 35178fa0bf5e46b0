/// <reference types="@webgpu/types/dist" />
