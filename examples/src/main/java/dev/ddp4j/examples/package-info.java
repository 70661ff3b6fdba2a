/**
 * Runnable example programs a user copies from: the Java twins of PyTorch's tutorial programs, each
 * a {@code main} that reads top to bottom like the Python it mirrors (shown in its class Javadoc).
 *
 * <ul>
 *   <li>{@link dev.ddp4j.examples.TensorBasics}: creation, dtypes, views, indexing, broadcasting, printing.
 *   <li>{@link dev.ddp4j.examples.AutogradLogisticRegression}: autograd idioms and logistic regression by hand.
 *   <li>{@link dev.ddp4j.examples.XorNetwork}: a two-layer network fits XOR with BCELoss and SGD.
 *   <li>{@link dev.ddp4j.examples.FashionMnistMlp}: an MLP on Fashion-MNIST, the training loop written out.
 *   <li>{@link dev.ddp4j.examples.FashionMnistCnn}: LeNet as a {@code Module} subclass in the functional style.
 *   <li>{@link dev.ddp4j.examples.SaveLoad}: model and optimizer state dicts to safetensors and back.
 * </ul>
 *
 * <p>Each program runs on its {@code main} thread alone and owns every tensor, model and loader it
 * makes; the data loaders' prefetch threads are closed before {@code main} returns.
 */
package dev.ddp4j.examples;
