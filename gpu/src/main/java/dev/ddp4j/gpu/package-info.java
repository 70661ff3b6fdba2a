/**
 * CUDA backend of the tensor library through JCuda (driver and runtime APIs). Not implemented yet: the CPU backend in ddp4j-tensor is used.
 */
package dev.ddp4j.gpu;
